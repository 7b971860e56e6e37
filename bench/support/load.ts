/**
 * Runs one autocannon load in its own process (the app under test keeps its event loop to itself) and prints
 * the result as JSON on stdout. Options come as JSON in argv[2].
 */
// untyped on purpose: the options pass through as the parent wrote them (overallRate included)
const autocannon: (options: Record<string, unknown>) => Promise<unknown> = require('autocannon');

async function main(): Promise<void> {
  const result = await autocannon(JSON.parse(process.argv[2]) as Record<string, unknown>);
  process.stdout.write(JSON.stringify(result));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error) + '\n');
  process.exit(1);
});
