import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { digestsEqual } from '../auth/api-key-secret';
import { NotFoundProblem, ProblemException } from '../common/problem';
import { StockLinkJobs } from './stock-link.jobs';
import { hashSecretCode } from './stock-links.service';
import { extractSecretCode, type ParsedChange, parseStockWebhook, type WebhookRequest } from './stock-payload';
import { WebhookGroupCommit, type WebhookLinkAuth, WebhookLinkCache } from './stock-webhook-group-commit';

export interface IntakeResult {
  accepted: number;
  duplicates: number;
  unrecognised: number;
}

/**
 * Smaregi's posts to a link's customer URL. The answer must be fast and nothing accepted may be lost, so
 * the request only authenticates (cached link lookup), parses and stores — committed with the concurrent
 * requests in one group (WebhookGroupCommit), idempotent on the source key, before the 200; computing
 * deltas and uploading happen in jobs.
 */
@Injectable()
export class StockWebhookIntake {
  private readonly logger = new Logger(StockWebhookIntake.name);

  constructor(
    private readonly links: WebhookLinkCache,
    private readonly groups: WebhookGroupCommit,
    private readonly jobs: StockLinkJobs,
  ) {}

  async receive(linkToken: string, request: WebhookRequest): Promise<IntakeResult> {
    const code = extractSecretCode(request);
    let link = await this.authenticate(linkToken, code, false);
    const changes = parseStockWebhook(request);
    let outcome = await this.store(link, changes);
    if (outcome.kind === 'link-changed') {
      // The cached link was deleted or its secret changed (here or on another instance): look again, once.
      this.links.invalidate(linkToken);
      link = await this.authenticate(linkToken, code, true);
      outcome = await this.store(link, changes);
      if (outcome.kind === 'link-changed') throw notStored('The stock link changed while the change was stored; send it again.');
    }
    const unrecognised = changes.filter((change) => change.kind === 'unrecognised').length;
    const accepted = outcome.inserted - unrecognised;
    if (accepted > 0) this.jobs.processingSoon(link.id);
    return { accepted, duplicates: changes.length - unrecognised - accepted, unrecognised };
  }

  /** 404 for no live link, 401 for a missing or wrong code; a mismatch against a cached link looks again once. */
  private async authenticate(linkToken: string, code: string | undefined, fresh: boolean): Promise<WebhookLinkAuth> {
    const first = await this.links.lookup(linkToken, fresh);
    let link = first.link;
    if (link && first.cached && !matches(code, link)) link = (await this.links.lookup(linkToken, true)).link;
    if (!link) throw new NotFoundProblem('Stock link');
    if (!matches(code, link)) {
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'webhook-secret-invalid',
        'Unauthorized',
        'The secret code (sncode) is missing or wrong.',
      );
    }
    return link;
  }

  private async store(link: WebhookLinkAuth, changes: ParsedChange[]) {
    try {
      return await this.groups.store(link, changes);
    } catch (error) {
      // The whole group's statement failed: nothing of it is stored, and no request of it may be answered 200.
      this.logger.error({ err: error, linkId: link.id }, 'Could not store a Smaregi webhook group');
      throw notStored('The change could not be stored; send it again.');
    }
  }
}

/** Both sides are SHA-256 hex digests: the comparison takes the same time whatever matches. */
function matches(code: string | undefined, link: WebhookLinkAuth): boolean {
  return code !== undefined && digestsEqual(hashSecretCode(code), link.secretHash);
}

function notStored(detail: string): ProblemException {
  return new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'webhook-not-stored', 'Service Unavailable', detail);
}
