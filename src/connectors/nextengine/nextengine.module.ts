import { Module } from '@nestjs/common';

import { NextEngineClient } from './nextengine.client';
import { NextEngineConnector } from './nextengine.connector';
import { NextEngineStockUploader } from './nextengine.stock-upload';

/** Needs `AppConfig` from the root module (provided globally). */
@Module({
  providers: [NextEngineClient, NextEngineStockUploader, NextEngineConnector],
  // The stock uploader is exported for the Smaregi ↔ NextEngine stock bridge, which sends deltas.
  exports: [NextEngineConnector, NextEngineStockUploader],
})
export class NextEngineModule {}
