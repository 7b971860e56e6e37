import { Module } from '@nestjs/common';

import { SmaregiClient } from './smaregi.client';
import { SmaregiConnector } from './smaregi.connector';
import { SmaregiShipmentApi } from './smaregi.shipments';
import { SmaregiStockApi } from './smaregi.stock';

@Module({
  providers: [SmaregiClient, SmaregiConnector, SmaregiStockApi, SmaregiShipmentApi],
  exports: [SmaregiConnector],
})
export class SmaregiModule {}
