import { Module } from '@nestjs/common';

import { NextEngineChangeSource } from './nextengine.changes';
import { NextEngineSoldOrders } from './nextengine.sold-orders';
import { NextEngineClient } from './nextengine.client';
import { NextEngineConnector } from './nextengine.connector';
import { NextEngineGoodsCatalog } from './nextengine.goods';
import { NextEngineStockUploader } from './nextengine.stock-upload';

/** Needs `AppConfig` from the root module (provided globally). */
@Module({
  providers: [NextEngineClient, NextEngineStockUploader, NextEngineGoodsCatalog, NextEngineChangeSource, NextEngineSoldOrders, NextEngineConnector],
  exports: [NextEngineConnector],
})
export class NextEngineModule {}
