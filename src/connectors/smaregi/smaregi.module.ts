import { Module } from '@nestjs/common';

import { SmaregiClient } from './smaregi.client';
import { SmaregiConnector } from './smaregi.connector';

@Module({
  providers: [SmaregiClient, SmaregiConnector],
  exports: [SmaregiConnector, SmaregiClient],
})
export class SmaregiModule {}
