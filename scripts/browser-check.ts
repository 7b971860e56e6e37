/**
 * `npm run check:browser` — Swagger UI in a real browser: start Mallbridge (embedded database, temporary data
 * directory), open /docs in headless Chromium, Authorize with the API key printed at first boot, run
 * `GET /v1/sales-sites` through "Try it out" → "Execute", check the response shows 200, and save a screenshot
 * to tmp/browser-check.png. Uses Debian's chromium (installed with apt-get when missing); not part of `npm test`.
 *
 * `--from-source` runs src/main.ts through swc instead of building dist/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureChromium, launchChromium } from '../test/support/chromium';
import { freePort } from '../test/support/free-port';

const ROOT = join(__dirname, '..');
const SCREENSHOT = join(ROOT, 'tmp', 'browser-check.png');
const FROM_SOURCE = process.argv.includes('--from-source');
const say = (line: string) => process.stdout.write(line + '\n');

/** Starts the service like `npm start` and reads the default tenant's key from its first-boot message. */
async function startMallbridge(dataDir: string, port: number): Promise<{ child: ChildProcess; key: string }> {
  const entry = FROM_SOURCE ? ['-r', '@swc-node/register', join(ROOT, 'src', 'main.ts')] : [join(ROOT, 'scripts', 'start.js')];
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, WORKERS_ENABLED: 'false', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const key = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = /^\s+(mb_\S+)\s*$/m.exec(output);
      if (found && output.includes('Mallbridge is listening')) resolve(found[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) =>
      reject(new Error(`Mallbridge exited with ${code} before it was ready:\n${output.split('\n').slice(-20).join('\n')}`)),
    );
  });
  return { child, key };
}

async function main(): Promise<void> {
  ensureChromium(say);
  const dataDir = mkdtempSync(join(tmpdir(), 'mallbridge-browser-'));
  chmodSync(dataDir, 0o755); // PostgreSQL runs as the `postgres` user when we are root
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  say(`Starting Mallbridge on ${base} (data in ${dataDir})...`);
  const { child, key } = await startMallbridge(dataDir, port);
  const browser = await launchChromium();
  let ok = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${base}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 30_000 });
    say(`Opened ${base}/docs: "${(await page.locator('.swagger-ui .info .title').innerText()).split('\n')[0]}"`);

    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.modal-ux');
    // the dialog lists every scheme (the tenant bearer and the admin key); the API key goes in the bearer one
    const bearerScheme = dialog.locator('.auth-container').filter({ hasText: 'bearer' }).first();
    await bearerScheme.locator('input').first().fill(key);
    await bearerScheme.locator('button.authorize').click();
    await dialog.locator('button.btn-done, button.close-modal').first().click();
    say('Authorized with the API key printed at first boot');

    const operation = page
      .locator('.opblock.opblock-get')
      .filter({ has: page.locator('.opblock-summary-path', { hasText: /^\/v1\/sales-sites$/ }) });
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor({ timeout: 30_000 });
    const code = (await status.innerText()).trim();
    const body = await operation.locator('.live-responses-table .response-col_description pre').first().innerText();
    ok = code.startsWith('200') && body.includes('"nextengine"');
    say(`Try it out: GET /v1/sales-sites → ${code}; the body lists ${(body.match(/"site":/g) ?? []).length} sites`);

    await operation.locator('.live-responses-table').scrollIntoViewIfNeeded();
    await page.mouse.wheel(0, -250);
    mkdirSync(join(ROOT, 'tmp'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    say(`Screenshot: ${SCREENSHOT}`);
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    rmSync(dataDir, { recursive: true, force: true });
  }
  say(ok ? 'Browser check PASSED.' : 'Browser check FAILED: the response did not show 200 with the sites.');
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
