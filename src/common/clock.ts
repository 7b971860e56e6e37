import { Injectable } from '@nestjs/common';

/**
 * The time the business logic runs on. Connectors decide what is due (NextEngine print dates,
 * window ends) from it. In production it is the system clock; e2e tests move it together with a
 * simulator's clock to play hours or days forward without waiting.
 */
@Injectable()
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Move this process's business time forward (tests of time-driven behaviour). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
