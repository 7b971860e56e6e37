import { Module } from '@nestjs/common';

import { Qoo10Client } from './qoo10.client';
import { Qoo10Connector } from './qoo10.connector';

@Module({
  providers: [Qoo10Client, Qoo10Connector],
  exports: [Qoo10Connector],
})
export class Qoo10Module {}
