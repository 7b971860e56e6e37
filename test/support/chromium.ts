import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium: what CI installs (`.ci/run`) and what playwright-core drives (no downloaded browsers). */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless Chromium in a container (root, no GPU, no background traffic). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Installs Debian's chromium with apt-get when it is missing (a fresh root machine); throws when that fails. */
export function ensureChromium(say: (line: string) => void = (line) => process.stdout.write(line + '\n')): void {
  if (existsSync(CHROMIUM)) return;
  say(`${CHROMIUM} is missing: installing Debian's chromium (apt-get)...`);
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status}); install chromium by hand`);
  }
}

/** A headless Chromium, installed first if needed. */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
