/** What the console program did, printed as JSON (its own file: test/e2e reads it without the generated client). */
export interface ConsoleReport {
  connections: { id: string; site: string; status: string }[];
  orderPages: number;
  orderIds: string[];
  createdSku: { id: string; code: string; name: string; optionName: string | null };
  problem: { status: number; type: string; fields: string[] };
  rateLimitRemaining: number | null;
}
