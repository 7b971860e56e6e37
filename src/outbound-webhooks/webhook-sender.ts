import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Agent, request } from 'undici';
import { CredentialCipher } from '../common/credential-cipher';
import { returnedRows } from '../common/sql';
import { AppConfig } from '../config/app-config';
import { OutboundWebhookTimings } from './outbound-webhook-timings';
import { WebhookAddressPolicy } from './webhook-addresses';
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature';

interface ClaimedDelivery {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number;
}

interface DeliveryTarget {
  url: string;
  secret_ciphertext: string;
  deleted: boolean;
  event_type: string | null;
  event_data: unknown;
  event_created_at: Date | null;
}

/** What one attempt came to: a response (any status), or none at all (refused, timed out, connection failed). */
type AttemptResult = { statusCode: number; excerpt: string } | { statusCode: null; error: string; final?: boolean };

const CLAIM_BATCH = 20;
const EXCERPT_CHARS = 500;

/**
 * Sends due webhook deliveries. A delivery is claimed with a lease (FOR UPDATE SKIP LOCKED, so two senders never
 * take the same one, and a crashed sender's delivery comes back when the lease ends), POSTed signed to its
 * endpoint, and recorded: a 2xx succeeds; anything else, or no answer within the attempt's timeout, waits for the
 * next attempt of the backoff schedule, and fails once the schedule is used up.
 */
@Injectable()
export class WebhookSender implements OnModuleDestroy {
  private readonly logger = new Logger(WebhookSender.name);
  private readonly cipher: CredentialCipher;
  readonly addresses: WebhookAddressPolicy;
  /** connects only to addresses checked public at connect time (DNS may have changed since the endpoint was saved) */
  private readonly guardedAgent: Agent;
  /** for the hosts the operator allowed to be private */
  private readonly allowedPrivateAgent = new Agent();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly timings: OutboundWebhookTimings,
    config: AppConfig,
  ) {
    this.cipher = new CredentialCipher(config.credentialsKey);
    this.addresses = new WebhookAddressPolicy(config.webhookAllowedPrivateHosts ?? []);
    this.guardedAgent = new Agent({ connect: { lookup: this.addresses.guardedLookup } });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.guardedAgent.close(), this.allowedPrivateAgent.close()]);
  }

  encryptSecret(endpointId: string, secret: string): string {
    return this.cipher.encrypt(secret, `webhook-endpoint:${endpointId}`);
  }

  /** Sends every due delivery; returns how many attempts were made. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = returnedRows<ClaimedDelivery>(
        await this.db.query(
          `UPDATE webhook_deliveries SET status = 'delivering', attempts = attempts + 1, last_attempt_at = now(),
                  next_attempt_at = now() + make_interval(secs => $2)
            WHERE id IN (SELECT id FROM webhook_deliveries WHERE status IN ('pending', 'delivering') AND next_attempt_at <= now()
                          ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, tenant_id, endpoint_id, event_id, attempts`,
          [CLAIM_BATCH, this.timings.leaseMs / 1000],
        ),
      );
      if (!claimed.length) return total;
      total += claimed.length;
      // one slow receiver must not hold up the others' deliveries
      await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    let result: AttemptResult;
    try {
      result = await this.attempt(delivery);
    } catch (error) {
      this.logger.error({ err: error, deliveryId: delivery.id }, 'Webhook attempt crashed');
      result = { statusCode: null, error: describe(error) };
    }
    await this.record(delivery, result);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptResult> {
    const [target] = (await this.db.query(
      `SELECT w.url, w.secret_ciphertext, w.deleted_at IS NOT NULL OR NOT w.enabled AS deleted,
              e.type AS event_type, e.data AS event_data, e.created_at AS event_created_at
         FROM webhook_endpoints w LEFT JOIN tenant_events e ON e.id = $2 AND e.tenant_id = w.tenant_id
        WHERE w.id = $1`,
      [delivery.endpoint_id, delivery.event_id],
    )) as DeliveryTarget[];
    if (!target || target.deleted) return { statusCode: null, error: 'The endpoint was deleted.', final: true };
    if (!target.event_type || !target.event_created_at)
      return { statusCode: null, error: 'The event is no longer in the event log.', final: true };

    const url = new URL(target.url);
    const allowedPrivate = this.addresses.isAllowedPrivateHost(url);
    try {
      await this.addresses.assertCallable(url);
    } catch (error) {
      return { statusCode: null, error: describe(error) };
    }
    const body = JSON.stringify({
      id: delivery.event_id,
      type: target.event_type,
      createdAt: new Date(target.event_created_at).toISOString(),
      data: target.event_data,
    });
    const secret = this.cipher.decrypt(target.secret_ciphertext, `webhook-endpoint:${delivery.endpoint_id}`);
    const signal = AbortSignal.timeout(this.timings.attemptTimeoutMs);
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: allowedPrivate ? this.allowedPrivateAgent : this.guardedAgent,
        maxRedirections: 0,
        signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Mallbridge-Webhooks/1',
          'mallbridge-event-id': delivery.event_id,
          'mallbridge-event-type': target.event_type,
          'mallbridge-delivery-id': delivery.id,
          [SIGNATURE_HEADER.toLowerCase()]: signWebhookBody(secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
      });
      return { statusCode: response.statusCode, excerpt: await readExcerpt(response.body) };
    } catch (error) {
      if (signal.aborted) return { statusCode: null, error: `No response within ${this.timings.attemptTimeoutMs / 1000} s.` };
      return { statusCode: null, error: describe(error) };
    }
  }

  private async record(delivery: ClaimedDelivery, result: AttemptResult): Promise<void> {
    const succeeded = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const delays = this.timings.retryDelaysMs;
    const final = succeeded || ('final' in result && result.final) || delivery.attempts > delays.length;
    const status = succeeded ? 'succeeded' : final ? 'failed' : 'pending';
    const retryInSeconds = final ? 0 : delays[delivery.attempts - 1] / 1000;
    const error = succeeded ? null : result.statusCode === null ? result.error : `The endpoint answered ${result.statusCode}.`;
    // only the holder of this attempt's claim writes its outcome (a sender that outlived its lease does not)
    await this.db.query(
      `UPDATE webhook_deliveries
          SET status = $3, last_status_code = $4, last_error = $5, last_response_excerpt = $6,
              next_attempt_at = now() + make_interval(secs => $7), delivered_at = CASE WHEN $3 = 'succeeded' THEN now() END
        WHERE id = $1 AND attempts = $2 AND status = 'delivering'`,
      [delivery.id, delivery.attempts, status, result.statusCode, error, 'excerpt' in result ? result.excerpt : null, retryInSeconds],
    );
    if (!succeeded) {
      this.logger.warn(
        { deliveryId: delivery.id, endpointId: delivery.endpoint_id, attempt: delivery.attempts, status, error },
        'Webhook delivery attempt failed',
      );
    }
  }
}

async function readExcerpt(body: AsyncIterable<Buffer>): Promise<string> {
  let text = '';
  // leaving the loop early destroys the stream: a huge or endless body is not read past the excerpt
  for await (const chunk of body) {
    text += chunk.toString('utf8');
    if (text.length >= EXCERPT_CHARS) break;
  }
  return text.slice(0, EXCERPT_CHARS);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`.slice(0, 500);
}
