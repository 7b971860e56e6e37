import { Injectable } from '@nestjs/common';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * How deliveries are paced. Plain fields, so a test can shorten them on the running app
 * (`app.get(OutboundWebhookTimings).retryDelaysMs = [100, 200]`) instead of waiting hours.
 */
@Injectable()
export class OutboundWebhookTimings {
  /**
   * The wait after each failed attempt; when they are used up the delivery has failed (a seller can still retry it
   * by hand). Seven attempts over about eight and a half hours, so a receiver down for a night loses nothing.
   */
  retryDelaysMs = [10 * SECOND, MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR];
  /** one attempt: connecting, sending and the response's status and first bytes */
  attemptTimeoutMs = 10 * SECOND;
  /** a claimed delivery returns to the queue after this long if its sender died mid-attempt (longer than an attempt) */
  leaseMs = 2 * MINUTE;
}
