import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { type DataSource, IsNull, Repository } from 'typeorm';
import { type Page, type PageQuery, paginate } from '../common/pagination';
import { ConflictProblem, NotFoundProblem, ValidationProblem } from '../common/problem';
import { returnedRows } from '../common/sql';
import type { CreateWebhookEndpointDto } from './outbound-webhooks.dto';
import { RefusedWebhookUrl } from './webhook-addresses';
import { OutboundWebhookWakeups } from './outbound-webhook-wakeups';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookSender } from './webhook-sender';
import { generateWebhookSecret } from './webhook-signature';

/** A tenant's webhook endpoints and their delivery log. Another tenant's endpoint or delivery is "not found". */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(WebhookEndpoint) private readonly endpoints: Repository<WebhookEndpoint>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    private readonly dispatcher: WebhookDispatcher,
    private readonly sender: WebhookSender,
    private readonly wakeups: OutboundWebhookWakeups,
  ) {}

  /** Saves an endpoint whose URL may be called; the secret is returned once and stored encrypted. */
  async create(tenantId: string, input: CreateWebhookEndpointDto): Promise<{ row: WebhookEndpoint; secret: string }> {
    const url = await this.callableUrl(input.url);
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const row = await this.db.transaction(async (manager) => {
      await this.dispatcher.holdCursorForNewEndpoint(manager, tenantId);
      const repository = manager.getRepository(WebhookEndpoint);
      await repository.insert({
        id,
        tenantId,
        url: url.href,
        description: input.description ?? null,
        eventTypes: [...input.eventTypes],
        secretCiphertext: this.sender.encryptSecret(id, secret),
        enabled: true,
      });
      return repository.findOneByOrFail({ id });
    });
    return { row, secret };
  }

  list(tenantId: string, page: PageQuery): Promise<Page<WebhookEndpoint>> {
    const query = this.endpoints.createQueryBuilder('w').where('w.tenant_id = :tenantId AND w.deleted_at IS NULL', { tenantId });
    return paginate(query, page, { alias: 'w', sortColumn: 'created_at', sortProperty: 'createdAt' });
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpoint> {
    const row = await this.endpoints.findOneBy({ id, tenantId, deletedAt: IsNull() });
    if (!row) throw new NotFoundProblem('Webhook endpoint');
    return row;
  }

  /** Deletes the endpoint: nothing more is sent to it, and deliveries still waiting fail. Its log stays readable by id. */
  async remove(tenantId: string, id: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      const removed = returnedRows(
        await manager.query(
          `UPDATE webhook_endpoints SET deleted_at = now(), enabled = false WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING id`,
          [id, tenantId],
        ),
      );
      if (!removed.length) throw new NotFoundProblem('Webhook endpoint');
      await manager.query(
        `UPDATE webhook_deliveries SET status = 'failed', last_error = 'The endpoint was deleted.' WHERE endpoint_id = $1 AND status = 'pending'`,
        [id],
      );
    });
  }

  /** The endpoint's deliveries, newest first; a deleted endpoint's log stays readable. */
  async listDeliveries(tenantId: string, endpointId: string, page: PageQuery): Promise<Page<WebhookDelivery>> {
    const query = this.deliveries
      .createQueryBuilder('d')
      .where('d.tenant_id = :tenantId AND d.endpoint_id = :endpointId', { tenantId, endpointId });
    // the page first, so a bad cursor is a 400 whatever the id
    const result = await paginate(query, page, { alias: 'd', sortColumn: 'created_at', sortProperty: 'createdAt' });
    if (!result.data.length && !(await this.endpoints.existsBy({ id: endpointId, tenantId })))
      throw new NotFoundProblem('Webhook endpoint');
    return result;
  }

  /**
   * Sends a delivery again now, with a fresh set of retries: a failed one after the receiver was fixed, a pending one
   * without waiting for its backoff, a succeeded one the receiver lost. Not while an attempt is under way.
   */
  async retry(tenantId: string, deliveryId: string): Promise<WebhookDelivery> {
    const queued = await this.db.transaction(async (manager) => {
      const [delivery]: { status: string; endpoint_gone: boolean }[] = await manager.query(
        `SELECT d.status, w.deleted_at IS NOT NULL AS endpoint_gone
           FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
          WHERE d.id = $1 AND d.tenant_id = $2 FOR UPDATE OF d`,
        [deliveryId, tenantId],
      );
      if (!delivery) throw new NotFoundProblem('Webhook delivery');
      if (delivery.endpoint_gone) throw new ConflictProblem('webhook-endpoint-deleted', "The delivery's endpoint was deleted.");
      if (delivery.status === 'delivering') {
        throw new ConflictProblem('webhook-delivery-in-progress', 'An attempt of this delivery is under way; retry once it has ended.', {
          status: delivery.status,
        });
      }
      await manager.query(
        `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = NULL WHERE id = $1`,
        [deliveryId],
      );
      return manager.getRepository(WebhookDelivery).findOneByOrFail({ id: deliveryId });
    });
    await this.wakeups.deliver();
    return queued;
  }

  private async callableUrl(text: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new ValidationProblem([{ field: 'url', message: 'url must be an absolute http or https URL' }]);
    }
    try {
      await this.sender.addresses.assertCallable(url);
    } catch (error) {
      if (error instanceof RefusedWebhookUrl) {
        throw new ValidationProblem([{ field: 'url', message: error.message }], 'This URL may not be called from Mallbridge.');
      }
      throw error;
    }
    return url;
  }
}
