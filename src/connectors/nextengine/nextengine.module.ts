import { Module } from '@nestjs/common';

import { NextEngineClient } from './nextengine.client';
import { NextEngineConnector } from './nextengine.connector';

/** Needs `AppConfig` from the root module (provided globally). */
@Module({
  providers: [NextEngineClient, NextEngineConnector],
  exports: [NextEngineConnector],
})
export class NextEngineModule {}
