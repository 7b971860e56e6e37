import type { ExternalOrderRef } from '../connectors/sales-site-connector';

type Executor = { query(sql: string, parameters?: unknown[]): Promise<any> };

/** What a connector needs to find these orders on the site, by order id: two queries for any number of orders. */
export async function readExternalRefs(executor: Executor, orderIds: readonly string[]): Promise<Map<string, ExternalOrderRef>> {
  if (!orderIds.length) return new Map();
  const orders: { id: string; external_order_id: string; refs: Record<string, unknown> }[] = await executor.query(
    `SELECT id, external_order_id, refs FROM orders WHERE id = ANY($1::uuid[])`,
    [[...orderIds]],
  );
  const lines: { order_id: string; external_line_id: string; raw: Record<string, unknown> | null }[] = await executor.query(
    `SELECT order_id, external_line_id, raw FROM order_lines WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, position`,
    [[...orderIds]],
  );
  const refs = new Map<string, ExternalOrderRef>(
    orders.map((order) => [order.id, { externalOrderId: order.external_order_id, refs: order.refs, lines: [] }]),
  );
  for (const line of lines) refs.get(line.order_id)?.lines!.push({ externalLineId: line.external_line_id, raw: line.raw ?? undefined });
  return refs;
}
