#!/usr/bin/env node
/* `npm start`: build when needed, then run the service. Keeps "npm ci && npm start" one step on a fresh clone. */
const { join } = require('node:path');
const { buildIfNeeded, root } = require('./build-if-needed');

const entry = join(root, 'dist', 'src', 'main.js');
buildIfNeeded(entry);
require(entry);
