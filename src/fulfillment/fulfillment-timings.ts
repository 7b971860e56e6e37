import { Injectable } from '@nestjs/common';
import { PushTimings } from '../common/push-timings';
import { AppConfig } from '../config/app-config';

/** How the tracking push retries. How often fulfillment's ticks run is schedules.ts's. */
@Injectable()
export class FulfillmentTimings extends PushTimings {
  constructor(config: AppConfig) {
    super(config);
  }
}
