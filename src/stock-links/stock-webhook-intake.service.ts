import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { secretsEqual } from '../auth/api-key-secret';
import { NotFoundProblem, ProblemException } from '../common/problem';
import { StockLinkJobs } from './stock-link.jobs';
import { hashSecretCode } from './stock-links.service';
import { extractSecretCode, type ParsedChange, parseStockWebhook, type WebhookRequest } from './stock-payload';

export interface IntakeResult {
  accepted: number;
  duplicates: number;
  unrecognised: number;
}

/**
 * Smaregi's posts to a link's customer URL. The answer must be fast and nothing accepted may be lost, so
 * the request only authenticates, parses and stores (one INSERT, idempotent on the source key); computing
 * deltas and uploading happen in jobs.
 */
@Injectable()
export class StockWebhookIntake {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: StockLinkJobs,
  ) {}

  async receive(linkToken: string, request: WebhookRequest): Promise<IntakeResult> {
    const [link] = (await this.db.query(
      `SELECT id, secret_hash AS "secretHash" FROM stock_links WHERE link_token = $1 AND deleted_at IS NULL`,
      [linkToken],
    )) as Array<{ id: string; secretHash: string }>;
    if (!link) throw new NotFoundProblem('Stock link');
    const code = extractSecretCode(request);
    // Both sides are SHA-256 digests of equal length: the comparison takes the same time whatever matches.
    if (!code || !secretsEqual(hashSecretCode(code), link.secretHash)) {
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'webhook-secret-invalid',
        'Unauthorized',
        'The secret code (sncode) is missing or wrong.',
      );
    }

    const changes = parseStockWebhook(request);
    const inserted = await this.store(link.id, changes);
    const unrecognised = changes.filter((change) => change.kind === 'unrecognised').length;
    const accepted = inserted - unrecognised;
    if (accepted > 0) this.jobs.processingSoon(link.id);
    return { accepted, duplicates: changes.length - unrecognised - accepted, unrecognised };
  }

  private async store(linkId: string, changes: ParsedChange[]): Promise<number> {
    const column = <T>(pick: (change: ParsedChange) => T) => changes.map(pick);
    const rows = (await this.db.query(
      `INSERT INTO stock_events (link_id, kind, source_key, content_hash, store_id, product_id, amount_after, status, reason, raw)
       SELECT $1, k, s, h, st, p, a, CASE WHEN k = 'unrecognised' THEN 'unrecognised' ELSE 'received' END, r, j
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::jsonb[]) AS t(k, s, h, st, p, a, r, j)
       ON CONFLICT (link_id, source_key) WHERE source_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        linkId,
        column((c) => c.kind),
        column((c) => (c.kind === 'unrecognised' ? null : c.sourceKey)),
        column((c) => (c.kind === 'legacy' ? c.contentHash : null)),
        column((c) => (c.kind === 'unrecognised' ? null : c.storeId)),
        column((c) => (c.kind === 'unrecognised' ? null : c.productId)),
        column((c) => (c.kind === 'legacy' ? c.amountAfter : null)),
        column((c) => (c.kind === 'unrecognised' ? c.reason : null)),
        column((c) => JSON.stringify(c.raw ?? null)),
      ],
    )) as unknown[];
    return rows.length;
  }
}
