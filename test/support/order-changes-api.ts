import type { TestApp } from './test-app';
import { waitFor } from './wait-for';

export interface TimelineEntry {
  id: string;
  source: 'site' | 'status' | 'site_call' | 'mallbridge';
  kind: string;
  detail: Record<string, unknown>;
  followState: 'pending' | 'done' | null;
  createdAt: string;
}

export interface ChangedOrder {
  id: string;
  externalOrderId: string;
  status: string;
  holdReason: string | null;
  siteChange: {
    state: string;
    reason: string | null;
    mergedInto: string | null;
    cancelledAfterInstructionAt: string | null;
    cancelApproval: string | null;
  };
  /** the status of the order's fulfillment order (the live one, else the latest cancelled one) */
  fulfillmentStatus: string | null;
  lines?: Array<{ externalLineId: string; quantity: number; cancelledQuantity: number }>;
}

export interface SyncRunBody {
  id: string;
  status: string;
  created: number;
  updated: number;
  seen: number;
  changesSeen: number;
  changesApplied: number;
  error: string | null;
}

/**
 * What the change e2e specs (DESIGN §5a) do again and again through the public API as one tenant: run a sync and
 * wait for it, read an order and its timeline, wait until the order shows something.
 */
export function orderChangesApi(app: () => TestApp, auth: () => { Authorization: string }) {
  const http = () => app().http;
  const api = {
    async order(id: string): Promise<ChangedOrder> {
      return (await http().get(`/v1/orders/${id}`).set(auth()).expect(200)).body;
    },

    /** Newest first; every page. */
    async timeline(orderId: string): Promise<TimelineEntry[]> {
      const entries: TimelineEntry[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: TimelineEntry[]; nextCursor: string | null } = (
          await http()
            .get(`/v1/orders/${orderId}/timeline?limit=200${cursor ? `&cursor=${cursor}` : ''}`)
            .set(auth())
            .expect(200)
        ).body;
        entries.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      return entries;
    },

    /** `POST /v1/connections/{id}/sync` and the run once it is over. */
    async sync(connectionId: string): Promise<SyncRunBody> {
      const started = await http().post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);
      return waitFor(
        async () => {
          const run: SyncRunBody = (await http().get(`/v1/sync-runs/${started.body.runId}`).set(auth()).expect(200)).body;
          return ['succeeded', 'failed'].includes(run.status) ? run : null;
        },
        { timeoutMs: 60_000, what: 'the sync run to finish' },
      );
    },

    /** Polls the order until `test` holds (background work: the follower, approvals, pushes). */
    async orderWhen(id: string, test: (order: ChangedOrder) => boolean, what: string, timeoutMs = 30_000): Promise<ChangedOrder> {
      return waitFor(
        async () => {
          const order = await api.order(id);
          return test(order) ? order : null;
        },
        { what, timeoutMs },
      );
    },

    /** `GET /v1/orders?change=…` ids. */
    async listedWithChange(change: string, connectionId: string): Promise<string[]> {
      const page = (await http().get(`/v1/orders?change=${change}&connectionId=${connectionId}&limit=200`).set(auth()).expect(200)).body;
      return page.data.map((order: { id: string }) => order.id);
    },

    async recheck(orderId: string, status = 200): Promise<{ found: boolean; siteStatus: string | null; changesApplied: number; order: ChangedOrder }> {
      return (await http().post(`/v1/orders/${orderId}/recheck`).set(auth()).expect(status)).body;
    },
  };
  return api;
}

/** The timeline's site changes of one kind (oldest first). */
export function siteChanges(entries: TimelineEntry[], kind: string): TimelineEntry[] {
  return entries.filter((entry) => entry.source === 'site' && entry.kind === kind).reverse();
}

/** The statuses the order went through, oldest first. */
export function statusPath(entries: TimelineEntry[]): string[] {
  return entries
    .filter((entry) => entry.source === 'status')
    .reverse()
    .map((entry) => entry.kind);
}
