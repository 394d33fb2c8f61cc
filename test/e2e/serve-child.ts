// `bct serve` as a child process for the end-to-end tests of the real-model path: the real binary on a
// free loopback port, with a known token and the pure-TypeScript GEMM (cli.ts ENV).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ENV, REPO } from './cli.js';

export const TOKEN = 'tml-e2e-token';

/** Starts `bct serve --port 0 …args`; resolves with its base URL once it listens. */
export async function startServe(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'bct.js'), 'serve', '--port', '0', ...args], {
    env: { ...ENV, BCT_SERVE_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /bct serve: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`bct serve exited with ${code}: ${out}`)));
  });
  return { url, child };
}
