import { HttpStatus, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ProblemException } from '../common/problem';
import { siteErrorToProblem } from '../connections/site-error.problem';
import { SiteError } from '../connections/site-calls';
import { NeOrderShipments } from './ne-order-shipments.service';
import { LinkConnectionError } from './link-sites';
import { StockBridge } from './stock-bridge.service';
import { StockLinkJobs } from './stock-link.jobs';
import type { StockLink } from './stock-link.entity';
import type { FlushResultDto } from './stock-links.dto';

/** How long a flush waits for a background run of the same link to finish. */
const FLUSH_LOCK_WAIT_MS = 30_000;

/**
 * `POST /v1/stock-links/{id}/flush`: the link's cycle now, in the request — one fold (at most MAX_FOLD_PRODUCTS
 * products, so a request stays short) and one upload. What it leaves goes on in the background at once.
 */
@Injectable()
export class StockLinkFlush {
  constructor(
    private readonly bridge: StockBridge,
    private readonly shipments: NeOrderShipments,
    private readonly jobs: StockLinkJobs,
    private readonly clock: Clock,
  ) {}

  async flush(link: StockLink): Promise<FlushResultDto> {
    try {
      const ran = await this.bridge.withLinkLock(link.id, FLUSH_LOCK_WAIT_MS, async () => {
        const shipments = link.shipmentsEnabled ? await this.shipments.importOrders(link, this.clock.now()) : null;
        const folded = await this.bridge.process(link);
        const uploaded = await this.bridge.upload(link, 'flush');
        const continuesInBackground = await this.jobs.continueAfterFlush(link.id, folded, uploaded);
        return {
          processed: folded.processed,
          upload: uploaded.upload ?? undefined,
          shipments: shipments ?? undefined,
          continuesInBackground,
        };
      });
      if (!ran) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'stock-link-busy',
          'Conflict',
          'An upload for this link is running; try again shortly.',
        );
      }
      return ran.value;
    } catch (error) {
      if (error instanceof LinkConnectionError)
        throw new ProblemException(HttpStatus.CONFLICT, 'connection-not-usable', 'Conflict', error.message);
      if (error instanceof SiteError) throw siteErrorToProblem(error);
      throw error;
    }
  }
}
