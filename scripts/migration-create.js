#!/usr/bin/env node
/* `npm run migration:create -- add-orders`: a timestamped migration file, registered in migrations/index.ts. */
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  process.stderr.write('usage: npm run migration:create -- <kebab-case-name>\n');
  process.exit(2);
}
const timestamp = Date.now();
const className = name.replace(/(^|-)([a-z0-9])/g, (_, __, c) => c.toUpperCase()) + timestamp;
const file = `${timestamp}-${name}`;
const dir = join(__dirname, '..', 'migrations');
writeFileSync(
  join(dir, `${file}.ts`),
  `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(db: QueryRunner): Promise<void> {
    await db.query(\`\`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(\`\`);
  }
}
`,
);
const index = join(dir, 'index.ts');
let source = readFileSync(index, 'utf8');
source = source.replace(/(\nexport const migrations = \[)/, `import { ${className} } from './${file}';\n$1`);
source = source.replace(/(export const migrations = \[[^\]]*)\]/, `$1, ${className}]`);
writeFileSync(index, source);
process.stdout.write(`Created migrations/${file}.ts\n`);
