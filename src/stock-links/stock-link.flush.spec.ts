import type { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import type { JobQueue } from '../jobs/job-queue.service';
import type { NeOrderShipments } from './ne-order-shipments.service';
import type { ProcessResult, StockBridge, UploadResult } from './stock-bridge.service';
import { StockLinkFlush } from './stock-link.flush';
import { STOCK_PROCESS, STOCK_UPLOAD, StockLinkJobs } from './stock-link.jobs';
import type { StockLink } from './stock-link.entity';

const link = { id: '00000000-0000-4000-8000-0000000000aa', shipmentsEnabled: false } as StockLink;

/** The flush with a bridge that answers as told, and the real jobs class on a queue that records what is sent. */
function flushWith(folded: ProcessResult, uploaded: UploadResult, queueFails = false) {
  const sent: Array<{ name: string; startAfterSeconds: number | undefined }> = [];
  const queue = {
    send: (name: string, _data: object, options: { startAfterSeconds?: number }) => {
      if (queueFails) return Promise.reject(new Error('the job queue is down'));
      sent.push({ name, startAfterSeconds: options.startAfterSeconds });
      return Promise.resolve('job');
    },
  } as unknown as JobQueue;
  const bridge = {
    withLinkLock: async <T>(_id: string, _waitMs: number, work: () => Promise<T>) => ({ value: await work() }),
    process: () => Promise.resolve(folded),
    upload: () => Promise.resolve(uploaded),
  } as unknown as StockBridge;
  const jobs = new StockLinkJobs({} as AppConfig, queue, bridge, {} as NeOrderShipments, new Clock(), {} as DataSource);
  return { flush: new StockLinkFlush(bridge, {} as NeOrderShipments, jobs, new Clock()), sent };
}

describe('StockLinkFlush: what a flush leaves goes on in the background at once', () => {
  const nothingLeft: UploadResult = { upload: null, retryLater: false };

  it('the rest of a stocktake larger than one fold is folded next, without waiting for the tick', async () => {
    const { flush, sent } = flushWith({ processed: 200, retryLater: false, more: true }, nothingLeft);
    expect(await flush.flush(link)).toEqual({ processed: 200, continuesInBackground: true });
    expect(sent).toEqual([{ name: STOCK_PROCESS, startAfterSeconds: 0 }]);
  });

  it('changes waiting for their Smaregi history record are looked for again in seconds; refused deltas in minutes', async () => {
    const { flush, sent } = flushWith({ processed: 3, retryLater: true, more: true }, { upload: null, retryLater: true });
    expect((await flush.flush(link)).continuesInBackground).toBe(true);
    expect(sent).toEqual([
      { name: STOCK_PROCESS, startAfterSeconds: 5 },
      { name: STOCK_UPLOAD, startAfterSeconds: 120 },
    ]);
  });

  it('a flush that finished everything asks for nothing', async () => {
    const { flush, sent } = flushWith({ processed: 4, retryLater: false }, nothingLeft);
    expect(await flush.flush(link)).toEqual({ processed: 4, continuesInBackground: false });
    expect(sent).toEqual([]);
  });

  it('a job queue that is down does not fail the flush, whose work is done and stored (the tick asks again)', async () => {
    const { flush } = flushWith({ processed: 200, retryLater: false, more: true }, nothingLeft, true);
    expect(await flush.flush(link)).toEqual({ processed: 200, continuesInBackground: true });
  });
});
