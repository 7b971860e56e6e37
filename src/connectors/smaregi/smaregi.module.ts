import { Module } from '@nestjs/common';

import { SmaregiClient } from './smaregi.client';
import { SmaregiConnector } from './smaregi.connector';
import { SmaregiStockApi } from './smaregi.stock';

@Module({
  providers: [SmaregiClient, SmaregiConnector, SmaregiStockApi],
  exports: [SmaregiConnector],
})
export class SmaregiModule {}
