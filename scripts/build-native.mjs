#!/usr/bin/env node
// Builds the OpenBLAS GEMM addon in native/ with node-gyp (the copy bundled with npm).
// A failed build is not fatal: the engine then runs its pure-TypeScript GEMM and says so once.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

if (!existsSync('native/binding.gyp')) {
  console.log('[build:native] native/binding.gyp not found; the engine will use its pure-TypeScript GEMM');
  process.exit(0);
}
// npm puts its bundled node-gyp on PATH for scripts; fall back to the copy next to npm itself.
const npmDir = process.env.npm_execpath ? dirname(dirname(process.env.npm_execpath)) : '';
const bundled = join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const [cmd, args] = existsSync(bundled)
  ? [process.execPath, [bundled, 'rebuild', '--release']]
  : ['node-gyp', ['rebuild', '--release']];
const r = spawnSync(cmd, args, { cwd: 'native', stdio: 'inherit' });
if (r.status !== 0) {
  console.log('[build:native] the OpenBLAS addon did not build (is libopenblas-dev installed?); ' +
    'the engine will use its pure-TypeScript GEMM');
}
process.exit(0);
