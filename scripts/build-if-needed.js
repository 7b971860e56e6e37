/* Build with the Nest CLI when dist/ is missing or older than any source file. */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function buildIfNeeded(entry) {
  const stale =
    !existsSync(entry) ||
    Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'migrations'))) > statSync(entry).mtimeMs;
  if (!stale) return;
  process.stdout.write('Building (first run, or sources changed)...\n');
  const result = spawnSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

module.exports = { buildIfNeeded, root };

// As npm's `prepare` step (run by `npm ci`): build once at install, so `npm start` only has to boot.
if (require.main === module) {
  let cli;
  try {
    cli = require.resolve('@nestjs/cli/bin/nest.js');
  } catch {
    process.stdout.write('Skipping the build: dev dependencies are not installed (production install).\n');
    process.exit(0);
  }
  if (cli) buildIfNeeded(join(root, 'dist', 'src', 'main.js'));
}
