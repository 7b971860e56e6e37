import { Module } from '@nestjs/common';

import { SmaregiClient } from './smaregi.client';
import { SmaregiConnector } from './smaregi.connector';
import { SmaregiStockApi } from './smaregi.stock';

@Module({
  providers: [SmaregiClient, SmaregiConnector, SmaregiStockApi],
  // The stock API is exported for the Smaregi ↔ NextEngine stock bridge.
  exports: [SmaregiConnector, SmaregiClient, SmaregiStockApi],
})
export class SmaregiModule {}
