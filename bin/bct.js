#!/usr/bin/env node
// The `bct` command: a thin launcher for the compiled CLI (run `npm run build` first).
import '../dist/src/cli/main.js';
