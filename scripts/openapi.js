#!/usr/bin/env node
/*
 * `npm run openapi`: write openapi/openapi.json from the code — no server, no database. The
 * document comes from the compiled app (the Nest CLI's Swagger plugin reads DTO types at build).
 */
const { join } = require('node:path');
const { buildIfNeeded, root } = require('./build-if-needed');

buildIfNeeded(join(root, 'dist', 'src', 'main.js'));
require(join(root, 'dist', 'src', 'openapi', 'generate.js'))
  .writeOpenApiDocument(join(root, 'openapi', 'openapi.json'))
  .then((path) => process.stdout.write(`Wrote ${path}\n`))
  .catch((error) => {
    process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
    process.exit(1);
  });
