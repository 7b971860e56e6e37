import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { hash, randomBytes, randomUUID } from 'node:crypto';
import { type DataSource, IsNull, type Repository } from 'typeorm';
import { CredentialCipher, maskSecret } from '../common/credential-cipher';
import { type Page, paginate } from '../common/pagination';
import { NotFoundProblem, ProblemException, ValidationProblem, type FieldError } from '../common/problem';
import { AppConfig } from '../config/app-config';
import type { Connection } from '../connections/connection.entity';
import { ConnectionsService } from '../connections/connections.service';
import { siteErrorToProblem } from '../connections/site-error.problem';
import { SiteError } from '../connections/site-calls';
import { LinkConnectionError } from './link-sites';
import { type CodeMapEntry, parseCodeMap } from './code-map';
import { StockBaselineSeeder } from './stock-baseline.seeder';
import { StockBridge } from './stock-bridge.service';
import { DEFAULT_NE_MASTER_DIVISIONS } from './stock-delta';
import { StockLink } from './stock-link.entity';
import { StockLinkNotices } from './stock-link-notices';
import { WebhookLinkCache } from './stock-webhook-group-commit';
import type { CreateStockLinkDto, ListStockLinksQuery, ShipmentSettingsDto, UpdateStockLinkDto } from './stock-links.dto';

export interface StockLinkStatus {
  pendingUploads: number;
  unrecognisedEvents: number;
  lastUpload: StockUploadRow | null;
}

export interface StockUploadRow {
  id: string;
  trigger: string;
  status: string;
  rowsSent: number;
  uploaded: number;
  failed: number;
  netted: number;
  error: string | null;
  mailStatus: string | null;
  mailError: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** How long a switch of the store filter or master waits for a background run of the same link. */
const SWITCH_LOCK_WAIT_MS = 30_000;

/**
 * The secret code is random and long: a fast hash is a safe lookup/verification hash (like API keys). One-shot
 * `hash`, as for API keys: every webhook post runs it.
 */
export function hashSecretCode(code: string): string {
  return hash('sha256', code, 'hex');
}

/**
 * Stock links: pairing a tenant's Smaregi and NextEngine connections, the customer URL and secret code
 * Smaregi posts with, and the Smaregi → NextEngine code map.
 */
@Injectable()
export class StockLinksService {
  private readonly cipher: CredentialCipher;

  constructor(
    @InjectRepository(StockLink) private readonly links: Repository<StockLink>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly connections: ConnectionsService,
    private readonly seeder: StockBaselineSeeder,
    private readonly config: AppConfig,
    private readonly notices: StockLinkNotices,
    private readonly bridge: StockBridge,
    private readonly webhookLinks: WebhookLinkCache,
  ) {
    this.cipher = new CredentialCipher(config.credentialsKey);
  }

  customerUrl(link: Pick<StockLink, 'linkToken'>): string {
    return `${this.config.publicBaseUrl}/v1/webhooks/smaregi/${link.linkToken}`;
  }

  /**
   * Creates the link and seeds the baselines from Smaregi's stock before answering: Smaregi can only post
   * to the customer URL once the seller has it, so no change can slip in between seed and first event.
   */
  async create(tenantId: string, input: CreateStockLinkDto): Promise<{ link: StockLink; secretCode: string }> {
    await this.connectionOf(tenantId, input.smaregiConnectionId, 'smaregi', 'smaregiConnectionId');
    await this.connectionOf(tenantId, input.nextengineConnectionId, 'nextengine', 'nextengineConnectionId');
    const id = randomUUID();
    const shipments = this.shipmentColumns(id, input.shipments, null);
    const secretCode = randomBytes(24).toString('base64url');
    const link = this.links.create({
      id,
      tenantId,
      smaregiConnectionId: input.smaregiConnectionId,
      nextengineConnectionId: input.nextengineConnectionId,
      stockMaster: input.stockMaster,
      idMatching: input.idMatching,
      storeId: input.storeId ?? null,
      notificationEmail: input.notificationEmail ?? null,
      uploadDelaySeconds: input.uploadDelaySeconds ?? 60,
      neMasterDivisions: input.neMasterDivisions ? [...new Set(input.neMasterDivisions)] : [...DEFAULT_NE_MASTER_DIVISIONS],
      ...shipments,
      linkToken: randomBytes(18).toString('base64url'),
      secretHash: hashSecretCode(secretCode),
      seededAt: null,
    });
    await this.links.insert(link);
    try {
      await this.seeder.seed(link);
    } catch (error) {
      // A link that cannot read Smaregi's stock cannot compute a single delta: refuse it whole.
      await this.links.delete({ id });
      if (error instanceof SiteError) throw siteErrorToProblem(error);
      if (error instanceof LinkConnectionError)
        throw new ProblemException(HttpStatus.CONFLICT, 'connection-not-usable', 'Conflict', error.message);
      throw error;
    }
    await this.notices.linkCreated(link, this.customerUrl(link), secretCode);
    return { link: await this.get(tenantId, id), secretCode };
  }

  list(tenantId: string, page: ListStockLinksQuery): Promise<Page<StockLink>> {
    const query = this.links.createQueryBuilder('l').where('l.tenant_id = :tenantId AND l.deleted_at IS NULL', { tenantId });
    return paginate(query, page, { alias: 'l', sortColumn: 'created_at', sortProperty: 'createdAt' });
  }

  /** A live link of this tenant; anything else (missing, deleted, another tenant's) is 404. */
  async get(tenantId: string, id: string): Promise<StockLink> {
    const link = await this.links.findOne({ where: { id, tenantId, deletedAt: IsNull() } });
    if (!link) throw new NotFoundProblem('Stock link');
    return link;
  }

  async update(tenantId: string, id: string, input: UpdateStockLinkDto): Promise<StockLink> {
    const link = await this.get(tenantId, id);
    const update: Partial<StockLink> = {};
    if (input.stockMaster) update.stockMaster = input.stockMaster;
    if (input.idMatching) update.idMatching = input.idMatching;
    if (input.storeId !== undefined) update.storeId = input.storeId;
    if (input.notificationEmail !== undefined) update.notificationEmail = input.notificationEmail;
    if (input.uploadDelaySeconds !== undefined) update.uploadDelaySeconds = input.uploadDelaySeconds;
    if (input.neMasterDivisions) update.neMasterDivisions = [...new Set(input.neMasterDivisions)];
    if (input.shipments) Object.assign(update, this.shipmentColumns(link.id, input.shipments, link));
    const switched =
      (update.storeId !== undefined && update.storeId !== link.storeId) ||
      (update.stockMaster !== undefined && update.stockMaster !== link.stockMaster);
    if (switched) await this.switchOver(link, update);
    else if (Object.keys(update).length) await this.links.update({ id: link.id, tenantId }, update);
    this.webhookLinks.invalidate(link.linkToken);
    return this.get(tenantId, id);
  }

  /**
   * A new store filter or master (DESIGN §7), under the link's lock: changes received so far become deltas under
   * the old settings, then Smaregi's stock is read again for the new filter (new baselines and history floor), and
   * only then do the settings change — so the switch itself uploads nothing and the next change uploads exactly
   * its delta. Baselines of stores that were filtered out went stale while their changes were ignored; this is
   * what keeps them from arriving in NextEngine as one huge false delta.
   */
  private async switchOver(link: StockLink, update: Partial<StockLink>): Promise<void> {
    try {
      const ran = await this.bridge.withLinkLock(link.id, SWITCH_LOCK_WAIT_MS, async () => {
        await this.bridge.process(link);
        await this.seeder.seed({ ...link, ...update });
        await this.links.update({ id: link.id, tenantId: link.tenantId }, update);
      });
      if (!ran) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'stock-link-busy',
          'Conflict',
          'An upload for this link is running; try again shortly.',
        );
      }
    } catch (error) {
      if (error instanceof SiteError) throw siteErrorToProblem(error);
      if (error instanceof LinkConnectionError)
        throw new ProblemException(HttpStatus.CONFLICT, 'connection-not-usable', 'Conflict', error.message);
      throw error;
    }
  }

  /** Soft delete: the customer URL stops answering (404); received history stays for the record. */
  async remove(tenantId: string, id: string): Promise<void> {
    const link = await this.get(tenantId, id);
    await this.links.update({ id: link.id, tenantId }, { deletedAt: new Date() });
    // the webhook's cached lookup; other instances re-check the link in the statement that stores (WebhookLinkCache)
    this.webhookLinks.invalidate(link.linkToken);
  }

  /**
   * Replaces the whole code map in one transaction (an empty upload clears it). Deltas already converted
   * keep the code they were converted with; only later changes use the new map.
   */
  async replaceCodeMap(tenantId: string, id: string, content: Buffer): Promise<{ entries: number; reset: boolean }> {
    const link = await this.get(tenantId, id);
    const entries = parseCodeMap(content);
    await this.db.transaction(async (manager) => {
      await manager.query(`DELETE FROM stock_link_codes WHERE link_id = $1 AND source = 'csv'`, [link.id]);
      for (let start = 0; start < entries.length; start += 5000) {
        const chunk = entries.slice(start, start + 5000);
        await manager.query(
          `INSERT INTO stock_link_codes (link_id, smaregi_product_id, nextengine_code, source)
           SELECT $1, s, n, 'csv' FROM unnest($2::text[], $3::text[]) AS t(s, n)
           ON CONFLICT (link_id, smaregi_product_id) DO UPDATE SET nextengine_code = EXCLUDED.nextengine_code, source = 'csv', created_at = now()`,
          [link.id, chunk.map((entry: CodeMapEntry) => entry.smaregiId), chunk.map((entry: CodeMapEntry) => entry.nextEngineCode)],
        );
      }
    });
    return { entries: entries.length, reset: entries.length === 0 };
  }

  async status(link: StockLink): Promise<StockLinkStatus> {
    // Two counts, each on its partial index (stock_events_work, stock_events_unrecognised): one filter over all four
    // statuses matches neither index, and PostgreSQL read every tenant's events (~100 ms a link at 1,000,000).
    const [counts] = (await this.db.query(
      `SELECT (SELECT count(*) FROM stock_events WHERE link_id = $1 AND status IN ('received', 'pending', 'uploading'))::int AS pending,
              (SELECT count(*) FROM stock_events WHERE link_id = $1 AND status = 'unrecognised')::int AS unrecognised`,
      [link.id],
    )) as Array<{ pending: number; unrecognised: number }>;
    const [upload] = (await this.db.query(
      `SELECT id, trigger, status, rows_sent AS "rowsSent", uploaded, failed, netted, error, mail_status AS "mailStatus",
              mail_error AS "mailError", started_at AS "startedAt", finished_at AS "finishedAt"
         FROM stock_uploads WHERE link_id = $1 ORDER BY started_at DESC LIMIT 1`,
      [link.id],
    )) as StockUploadRow[];
    return { pendingUploads: counts.pending, unrecognisedEvents: counts.unrecognised, lastUpload: upload ?? null };
  }

  /** The Retail Business access token for registering shipments, decrypted for the worker that uses it. */
  shipmentToken(link: StockLink): string | null {
    return link.shipmentTokenCiphertext ? this.cipher.decrypt(link.shipmentTokenCiphertext, `stock-link:${link.id}`) : null;
  }

  private async connectionOf(tenantId: string, id: string, site: Connection['site'], field: string): Promise<Connection> {
    let connection: Connection;
    try {
      connection = await this.connections.get(tenantId, id);
    } catch (error) {
      if (error instanceof NotFoundProblem) throw new ValidationProblem([{ field, message: 'no such connection' }]);
      throw error;
    }
    if (connection.site !== site) throw new ValidationProblem([{ field, message: `must be a ${site} connection, not ${connection.site}` }]);
    if (connection.status !== 'active') {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        'connection-not-active',
        'Conflict',
        `The ${site} connection is ${connection.status}; it must be active.`,
      );
    }
    return connection;
  }

  private shipmentColumns(linkId: string, input: ShipmentSettingsDto | undefined, existing: StockLink | null): Partial<StockLink> {
    if (!input)
      return existing
        ? {}
        : {
            shipmentsEnabled: false,
            shipmentContractId: null,
            shipmentStoreId: null,
            shipmentTokenCiphertext: null,
            shipmentTokenHint: null,
          };
    const errors: FieldError[] = [];
    if (input.enabled && !input.accessToken && !existing?.shipmentTokenCiphertext) {
      errors.push({ field: 'shipments.accessToken', message: 'accessToken is required to import NextEngine orders as shipments' });
    }
    if (errors.length) throw new ValidationProblem(errors);
    const token = input.accessToken
      ? {
          shipmentTokenCiphertext: this.cipher.encrypt(input.accessToken, `stock-link:${linkId}`),
          shipmentTokenHint: maskSecret(input.accessToken),
        }
      : {};
    // Switching the import on starts it afresh: orders received from now on (「以降の注文分から」), read from now on.
    const switchedOn = input.enabled && !existing?.shipmentsEnabled ? { shipmentsEnabledAt: new Date(), shipmentCursor: null } : {};
    return {
      shipmentsEnabled: input.enabled,
      shipmentContractId: input.contractId,
      shipmentStoreId: input.storeId,
      ...token,
      ...switchedOn,
    };
  }
}
