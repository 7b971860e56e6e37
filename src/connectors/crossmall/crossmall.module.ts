import { Module } from '@nestjs/common';

import { CrossmallClient } from './crossmall.client';
import { CrossmallConnector } from './crossmall.connector';

@Module({
  providers: [CrossmallClient, CrossmallConnector],
  exports: [CrossmallConnector],
})
export class CrossmallModule {}
