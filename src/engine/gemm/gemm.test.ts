import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getGemm, getGemmBackend, referenceSgemm, type Gemm } from './index.js';
import { coreTypeFor, loadOpenblasGemm, threadsAsked } from './openblas.js';
import { BctError, ShapeError } from '../../errors.js';

// Small deterministic generator so failures reproduce.
function filled(n: number, seed: number): Float32Array {
  const a = new Float32Array(n); // (n)
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 2 - 1;
  }
  return a;
}

function maxRelDiff(x: Float32Array, y: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  return m;
}

const openblas = loadOpenblasGemm();
const backends: Array<[string, Gemm | undefined]> = [
  ['typescript', getGemmBackend('typescript')],
  ['openblas', openblas.gemm],
];
// Float32 sums of up to ~300 terms of size ≤1 against a float64 reference.
const TOL = 2e-5;

interface Case { tA: boolean; tB: boolean; M: number; N: number; K: number; alpha: number; beta: number; pad: number; off: number }
const cases: Case[] = [];
for (const tA of [false, true]) {
  for (const tB of [false, true]) {
    for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [17, 9, 33], [64, 65, 63], [5, 130, 257], [1, 300, 40], [300, 1, 40]]) {
      cases.push({ tA, tB, M, N, K, alpha: 1, beta: 0, pad: 0, off: 0 });
    }
    cases.push({ tA, tB, M: 13, N: 11, K: 19, alpha: 0.5, beta: -1.5, pad: 3, off: 7 });
    cases.push({ tA, tB, M: 40, N: 37, K: 71, alpha: -2, beta: 1, pad: 1, off: 2 });
    // Several K slices and row blocks of the packed path, and the small-M path, with beta.
    cases.push({ tA, tB, M: 70, N: 50, K: 600, alpha: 0.25, beta: 0.5, pad: 2, off: 5 });
    cases.push({ tA, tB, M: 3, N: 20, K: 33, alpha: 1.5, beta: 2, pad: 1, off: 1 });
    // One row: the addon hands this to sgemv.
    cases.push({ tA, tB, M: 1, N: 37, K: 70, alpha: -0.5, beta: 0.75, pad: 3, off: 2 });
  }
}

for (const [name, gemm] of backends) {
  const skip = gemm ? false : `OpenBLAS addon unavailable: ${openblas.reason}`;

  test(`${name}: sgemm matches the reference for every transpose, odd sizes, offsets, ld, alpha, beta`, { skip }, () => {
    for (const c of cases) {
      const [aR, aC] = c.tA ? [c.K, c.M] : [c.M, c.K];
      const [bR, bC] = c.tB ? [c.N, c.K] : [c.K, c.N];
      const lda = aC + c.pad, ldb = bC + c.pad, ldc = c.N + c.pad;
      const A = filled(c.off + aR * lda, 1), B = filled(c.off + bR * ldb, 2);
      const C0 = filled(c.off + c.M * ldc, 3);
      const want = C0.slice(), got = C0.slice();
      referenceSgemm(c.tA, c.tB, c.M, c.N, c.K, c.alpha, A, c.off, lda, B, c.off, ldb, c.beta, want, c.off, ldc);
      gemm!.sgemm(c.tA, c.tB, c.M, c.N, c.K, c.alpha, A, c.off, lda, B, c.off, ldb, c.beta, got, c.off, ldc);
      const d = maxRelDiff(got, want);
      assert.ok(d < TOL, `${JSON.stringify(c)}: maxdiff ${d} >= ${TOL}`);
    }
  });

  test(`${name}: beta = 0 ignores NaN already in C (also for one row); K = 0 scales C by beta`, { skip }, () => {
    const A = filled(6, 4), B = filled(6, 5);
    const C = new Float32Array(4).fill(NaN); // (2, 2)
    gemm!.sgemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2);
    assert.ok(C.every(Number.isFinite), `C = ${Array.from(C)}`);
    const R = new Float32Array(2).fill(NaN); // (1, 2): one row takes the sgemv path in the addon
    gemm!.sgemm(false, false, 1, 2, 3, 1, A, 0, 3, B, 0, 2, 0, R, 0, 2);
    assert.ok(R.every(Number.isFinite), `R = ${Array.from(R)}`);
    const D = new Float32Array([1, 2, 3, 4]); // (2, 2)
    gemm!.sgemm(false, false, 2, 2, 0, 1, A, 0, 1, B, 0, 2, 2, D, 0, 2);
    assert.deepEqual(Array.from(D), [2, 4, 6, 8]);
  });

  test(`${name}: sgemmStridedBatched matches per-item reference products`, { skip }, () => {
    for (const [tA, tB, M] of [[false, false, 7], [false, true, 7], [true, false, 7], [true, true, 7], [false, true, 1], [true, false, 1]] as const) {
      const N = 9, K = 11, batch = 5, off = 3;
      const lda = tA ? M : K, ldb = tB ? K : N, ldc = N;
      const sA = M * K + 2, sB = K * N + 1, sC = M * N + 4;
      const A = filled(off + batch * sA, 6), B = filled(off + batch * sB, 7), C0 = filled(off + batch * sC, 8);
      const want = C0.slice(), got = C0.slice();
      for (let i = 0; i < batch; i++) {
        referenceSgemm(tA, tB, M, N, K, 0.7, A, off + i * sA, lda, B, off + i * sB, ldb, 0.3, want, off + i * sC, ldc);
      }
      gemm!.sgemmStridedBatched(tA, tB, M, N, K, 0.7, A, off, lda, sA, B, off, ldb, sB, 0.3, got, off, ldc, sC, batch);
      const d = maxRelDiff(got, want);
      assert.ok(d < TOL, `tA=${tA} tB=${tB} M=${M}: maxdiff ${d}`);
    }
  });

  test(`${name}: a batch of many small products (split across threads by the addon) matches the reference`, { skip }, () => {
    // 7 items of 2·64·64·128 ≈ 1 MFLOP: small enough per item and large enough in total to be split.
    for (const [tA, tB] of [[false, true], [true, false]] as const) {
      const M = 64, N = 64, K = 128, batch = 7;
      const A = filled(batch * M * K, 9), B = filled(batch * K * N, 10), C0 = filled(batch * M * N, 11);
      const want = C0.slice(), got = C0.slice();
      const lda = tA ? M : K, ldb = tB ? K : N;
      for (let i = 0; i < batch; i++) {
        referenceSgemm(tA, tB, M, N, K, 1, A, i * M * K, lda, B, i * K * N, ldb, 0, want, i * M * N, N);
      }
      gemm!.sgemmStridedBatched(tA, tB, M, N, K, 1, A, 0, lda, M * K, B, 0, ldb, K * N, 0, got, 0, N, M * N, batch);
      const d = maxRelDiff(got, want);
      assert.ok(d < TOL, `tA=${tA} tB=${tB}: maxdiff ${d}`);
    }
  });

  test(`${name}: bad arguments throw a ShapeError naming the argument`, { skip }, () => {
    const A = new Float32Array(6), B = new Float32Array(6), C = new Float32Array(4);
    const call = (f: () => void, where: string) =>
      assert.throws(f, (e: unknown) => e instanceof ShapeError && e.where === where, where);
    call(() => gemm!.sgemm(false, false, 2, 2, 3, 1, A, 1, 3, B, 0, 2, 0, C, 0, 2), 'sgemm.A');
    call(() => gemm!.sgemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 1, 2), 'sgemm.C');
    call(() => gemm!.sgemm(false, true, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2), 'sgemm.ldb');
    call(() => gemm!.sgemm(false, false, -1, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2), 'sgemm.M');
    call(() => gemm!.sgemm(false, false, 2, 2, 3, 1, A, 0.5, 3, B, 0, 2, 0, C, 0, 2), 'sgemm.AOff');
    call(() => gemm!.sgemm(false, false, 2, 2, 3, 1, new Float64Array(6) as unknown as Float32Array, 0, 3, B, 0, 2, 0, C, 0, 2), 'sgemm.A');
    call(() => gemm!.sgemmStridedBatched(false, false, 2, 2, 3, 1, A, 0, 3, 0, B, 0, 2, 0, 0, C, 0, 2, 1, 2), 'sgemm.C');
  });
}

test('getGemm returns a working backend and getGemmBackend rejects unknown names', () => {
  const g = getGemm();
  assert.ok(g.backend === 'openblas' || g.backend === 'typescript');
  assert.equal(getGemm(), g);
  assert.throws(() => getGemmBackend('cuda' as 'openblas'), (e: unknown) => e instanceof BctError && e.code === 'config');
});

// The addon checks its arguments in C too (the TypeScript checks above run first in normal use).
test('openblas addon: the C checks throw a named JS error and never touch memory out of bounds', {
  skip: openblas.addon ? false : `OpenBLAS addon unavailable: ${openblas.reason}`,
}, () => {
  const raw = openblas.addon!;
  const A = new Float32Array(6), B = new Float32Array(6), C = new Float32Array(4);
  const bad = (f: () => void, arg: string) =>
    assert.throws(f, (e: unknown) => e instanceof Error && e.message.includes(`sgemm.${arg}`), arg);
  bad(() => raw.sgemm(false, false, 2, 2, 3, 1, A, 1, 3, B, 0, 2, 0, C, 0, 2), 'A');
  bad(() => raw.sgemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 3, 2), 'C');
  bad(() => raw.sgemm(false, false, 2, 2, 3, 1, A, 0, 2, B, 0, 2, 0, C, 0, 2), 'lda');
  bad(() => raw.sgemm(false, false, 2, 2, 3, 1, new Float64Array(6) as unknown as Float32Array, 0, 3, B, 0, 2, 0, C, 0, 2), 'A');
  bad(() => raw.sgemm(1 as unknown as boolean, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2), 'transA');
  bad(() => raw.sgemm(false, false, 2, 2, 3, 1, A, 0, 3, B, -1, 2, 0, C, 0, 2), 'bOff');
  bad(() => raw.sgemm(false, false, 2.5, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2), 'M');
  bad(() => raw.sgemm(false, false, 2, 2, 3, 'x' as unknown as number, A, 0, 3, B, 0, 2, 0, C, 0, 2), 'alpha');
  // (batch - 1)·stride overflows 64 bits unless checked.
  bad(() => raw.sgemmStridedBatched(false, false, 2, 2, 3, 1, A, 0, 3, 2 ** 31 - 1, B, 0, 2, 0, 0, C, 0, 2, 0, 2 ** 31 - 1), 'A');
  assert.throws(() => (raw.sgemm as (...a: unknown[]) => void)(false, false), /expected 16 arguments/);
  assert.ok(raw.numThreads() >= 1);
});

test('packed products equal sgemm(A, Wᵀ) for any M, N off the 32-column panels, offsets, alpha and beta', {
  skip: openblas.gemm?.sgemmPacked ? false : 'the addon has no packed products',
}, () => {
  const g = openblas.gemm!;
  for (const [M, N, K] of [[1, 1, 1], [7, 33, 19], [64, 768, 256], [13, 100, 1024], [130, 45, 7]] as const) {
    const wOff = 5, aOff = 3, cOff = 2, lda = K + 4, ldc = N + 1;
    const W = filled(wOff + N * K, 1), A = filled(aOff + M * lda, 2), C0 = filled(cOff + M * ldc, 3);
    const P = g.packWeights!(W, wOff, N, K);
    for (const [alpha, beta] of [[1, 0], [1, 1], [0.5, -1.5]] as const) {
      const want = C0.slice(), got = C0.slice();
      referenceSgemm(false, true, M, N, K, alpha, A, aOff, lda, W, wOff, K, beta, want, cOff, ldc);
      g.sgemmPacked!(M, alpha, A, aOff, lda, P, beta, got, cOff, ldc);
      const d = maxRelDiff(got, want);
      assert.ok(d < TOL, `M ${M} N ${N} K ${K} alpha ${alpha} beta ${beta}: maxdiff ${d}`);
      for (let r = 0; r < M; r++) assert.equal(got[cOff + r * ldc + N], C0[cOff + r * ldc + N], 'the padding column is untouched');
    }
  }
  // beta 0 does not read C: NaN there does not reach the result.
  const W = filled(40 * 9, 4), A = filled(3 * 9, 5), C = new Float32Array(3 * 40).fill(NaN);
  g.sgemmPacked!(3, 1, A, 0, 9, g.packWeights!(W, 0, 40, 9), 0, C, 0, 40);
  assert.ok(C.every(Number.isFinite));
});

test('a packed product gives each row the same bits whatever the other rows and their number', {
  skip: openblas.gemm?.sgemmPacked ? false : 'the addon has no packed products',
}, () => {
  const g = openblas.gemm!;
  const N = 1000, K = 256, M = 61; // large enough to be split over the cores
  const P = g.packWeights!(filled(N * K, 6), 0, N, K);
  const A = filled(M * K, 7), all = new Float32Array(M * N);
  g.sgemmPacked!(M, 1, A, 0, K, P, 0, all, 0, N);
  for (const r of [0, 5, 8, 60]) {
    const one = new Float32Array(N);
    g.sgemmPacked!(1, 1, A, r * K, K, P, 0, one, 0, N);
    assert.deepEqual(one, all.subarray(r * N, (r + 1) * N), `row ${r} alone`);
  }
});

test('packed products refuse panels of another shape and operands outside their arrays, naming them', {
  skip: openblas.addon?.sgemmPacked ? false : 'the addon has no packed products',
}, () => {
  const raw = openblas.addon!;
  const P = raw.packWeights!(new Float32Array(40 * 8), 0, 40, 8); // 2 panels of (8, 32)
  assert.equal(P.length, 2 * 32 * 8);
  const A = new Float32Array(3 * 8), C = new Float32Array(3 * 40);
  const bad = (f: () => void, msg: RegExp) => assert.throws(f, msg);
  bad(() => raw.sgemmPacked!(3, 65, 8, 1, A, 0, 8, P, 0, new Float32Array(3 * 65), 0, 65), /^RangeError: sgemmPacked\.P: holds 512 elements, but packed \(65, 8\) weights hold 768/);
  bad(() => raw.sgemmPacked!(3, 40, 9, 1, new Float32Array(3 * 9), 0, 9, P, 0, C, 0, 40), /sgemmPacked\.P: holds 512 elements/);
  bad(() => raw.sgemmPacked!(3, 40, 8, 1, A, 1, 8, P, 0, C, 0, 40), /sgemmPacked\.A: needs 25 elements/);
  bad(() => raw.sgemmPacked!(3, 40, 8, 1, A, 0, 8, P, 0, C, 1, 40), /sgemmPacked\.C: needs 121 elements/);
  bad(() => raw.sgemmPacked!(3, 40, 8, 1, A, 0, 7, P, 0, C, 0, 40), /lda ≥ K/);
  bad(() => raw.packWeights!(new Float32Array(10), 0, 3, 4), /packWeights\.W: needs 12 elements/);
  bad(() => raw.packWeights!(new Float32Array(10), 0, 0, 4), /packWeights: expected N ≥ 1/);
  bad(() => raw.packWeights!(new Float32Array(10), 0, 2 ** 20, 2 ** 12), /at most 2\^31 packed elements/);
});

// getGemm() reads BCT_GEMM once per process, so each case runs in a fresh child process.
function childGemm(env: Record<string, string>): { out: string; err: string; status: number | null } {
  const index = new URL('./index.js', import.meta.url).href;
  const code = `const m = await import(${JSON.stringify(index)});
try { console.log(m.getGemm().backend); } catch (e) { console.log(e.name + ': ' + e.message); }`;
  const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code],
    { encoding: 'utf8', env: { ...process.env, ...env } });
  return { out: r.stdout.trim(), err: r.stderr.trim(), status: r.status };
}

test('BCT_GEMM forces a backend and rejects unknown names', () => {
  const ts = childGemm({ BCT_GEMM: 'typescript' });
  assert.equal(ts.out, 'typescript', ts.err);
  assert.equal(ts.err, '');
  const bad = childGemm({ BCT_GEMM: 'blas' });
  assert.match(bad.out, /^ConfigError: BCT_GEMM: expected "openblas" or "typescript", got "blas"/);
  const ob = childGemm({ BCT_GEMM: 'openblas' });
  if (openblas.gemm) assert.equal(ob.out, 'openblas', ob.err);
  else assert.match(ob.out, /^BackendError: gemm\.openblas: the OpenBLAS GEMM addon is unavailable/);
});

test('OPENBLAS_CORETYPE is respected and OPENBLAS_NUM_THREADS sets the addon\'s threads; the loader leaves both as given', {
  skip: openblas.addon && process.arch === 'x64' ? false : 'needs the OpenBLAS addon on x64',
}, () => {
  const code = `const m = await import(${JSON.stringify(new URL('./openblas.js', import.meta.url).href)});
const a = m.loadOpenblasGemm().addon;
console.log(JSON.stringify([a.coreName(), a.numThreads(), process.env.OPENBLAS_CORETYPE ?? null, process.env.OPENBLAS_NUM_THREADS ?? null]));`;
  const run = (coreType: string | undefined, threads?: string): unknown => {
    const env: Record<string, string | undefined> = { ...process.env, OPENBLAS_CORETYPE: coreType, OPENBLAS_NUM_THREADS: threads };
    if (coreType === undefined) delete env.OPENBLAS_CORETYPE;
    if (threads === undefined) delete env.OPENBLAS_NUM_THREADS;
    const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], { encoding: 'utf8', env });
    return JSON.parse(r.stdout.trim() || 'null');
  };
  // Prescott (SSE3) kernels run on every x86-64 CPU.
  assert.deepEqual(run('Prescott', '1'), ['Prescott', 1, 'Prescott', '1']);
  assert.deepEqual(run('Prescott', '3'), ['Prescott', 3, 'Prescott', '3']);
  const [core, threads, leftCore, leftThreads] = run(undefined) as [string, number, string | null, string | null];
  assert.ok(core.length > 0);
  assert.ok(threads >= 1);
  assert.equal(leftCore, null);
  assert.equal(leftThreads, null);
  assert.equal((run('Prescott', 'many') as unknown[])[1], threads, 'a value that is not a positive integer means the cores');
});

test('threadsAsked reads OPENBLAS_NUM_THREADS as OpenBLAS would: a positive integer, else the cores (0)', () => {
  assert.equal(threadsAsked('4'), 4);
  assert.equal(threadsAsked(' 2 '), 2);
  for (const v of [undefined, '', '0', '-1', '2.5', 'x']) assert.equal(threadsAsked(v), 0, String(v));
});

test('coreTypeFor asks for AVX-512 kernels on AMD Zen 4/5 only', () => {
  const cpu = (vendor: string, family: number, flags: string) =>
    `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\nflags\t\t: ${flags}\n\nprocessor\t: 1\n`;
  const avx512 = 'fpu sse2 avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl';
  assert.equal(coreTypeFor(cpu('AuthenticAMD', 26, avx512)), 'SkylakeX'); // Zen 5
  assert.equal(coreTypeFor(cpu('AuthenticAMD', 25, avx512)), 'SkylakeX'); // Zen 4
  assert.equal(coreTypeFor(cpu('AuthenticAMD', 25, 'fpu sse2 avx2 fma')), undefined); // Zen 3: no AVX-512
  assert.equal(coreTypeFor(cpu('AuthenticAMD', 23, avx512)), undefined);
  assert.equal(coreTypeFor(cpu('GenuineIntel', 6, avx512)), undefined); // OpenBLAS detects these itself
  assert.equal(coreTypeFor(''), undefined);
});
