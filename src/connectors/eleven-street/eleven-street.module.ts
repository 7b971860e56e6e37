import { Module } from '@nestjs/common';

import { ElevenStreetClient } from './eleven-street.client';
import { ElevenStreetConnector } from './eleven-street.connector';

@Module({
  providers: [ElevenStreetClient, ElevenStreetConnector],
  exports: [ElevenStreetConnector],
})
export class ElevenStreetModule {}
