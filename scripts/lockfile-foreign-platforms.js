#!/usr/bin/env node
/*
 * The npm registry this project's machines use answers 404 for the other platforms' builds of
 * unrs-resolver (jest 30's resolver), so `npm install` leaves them out of package-lock.json, and then
 * `npm ci` refuses the lock as out of sync. This restores their entries: os/cpu say they never install
 * here, so npm skips them without fetching. Run it after any `npm install` that rewrites the lock.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const lockPath = join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
const resolver = packages['node_modules/unrs-resolver'];
if (!resolver) {
  process.stdout.write('unrs-resolver is not in the lock: nothing to do.\n');
  process.exit(0);
}
const libcOf = (abi) => (abi === 'gnu' || abi === 'gnueabihf' ? ['glibc'] : abi === 'musl' || abi === 'musleabihf' ? ['musl'] : undefined);
let added = 0;
for (const [name, version] of Object.entries(resolver.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (packages[key]) continue;
  const [, os, cpu, abi] = /^@unrs\/resolver-binding-([a-z0-9]+)-([a-z0-9]+)(?:-([a-z0-9]+))?$/.exec(name) ?? [];
  if (!os || !cpu) throw new Error(`cannot tell the platform of ${name}`);
  const libc = libcOf(abi);
  packages[key] = { version, cpu: [cpu], dev: true, ...(libc ? { libc } : {}), license: 'MIT', optional: true, os: [os] };
  added += 1;
}
const sorted = Object.fromEntries(Object.keys(packages).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)).map((k) => [k, packages[k]]));
lock.packages = sorted;
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
process.stdout.write(`Added ${added} foreign-platform entries to package-lock.json.\n`);
