#!/usr/bin/env node
// The `aviary` command: runs the compiled CLI (build first with `npm run build`).
require('../dist/apps/cli/src/main.js');
