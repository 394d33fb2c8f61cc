import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HttpError } from '../http/index.js';
import { FutureStore } from './futures.js';
import { SeqGate, WorkQueue } from './work-queue.js';

// The gate's and the polls' timers are unref'd (a server's socket keeps the process alive); here a
// plain interval does, until the tests end.
const alive = setInterval(() => undefined, 1000);
after(() => clearInterval(alive));

const refusal = (status: number, message: RegExp) => (e: unknown) => e instanceof HttpError && e.status === status && message.test(e.message);

test('SeqGate runs numbered requests in order, holds early ones, refuses reused and excess ones', () => {
  const ran: number[] = [];
  const gate = new SeqGate(60_000, 2);
  gate.admit(3, () => ran.push(3));
  gate.admit(null, () => ran.push(0)); // unnumbered: at once
  gate.admit(2, () => ran.push(2));
  assert.deepEqual(ran, [0]);
  assert.throws(() => gate.check(4), refusal(429, /2 requests are waiting for seq_id 1/));
  assert.throws(() => gate.check(3), refusal(409, /seq_id 3 is already waiting/));
  gate.admit(1, () => ran.push(1));
  assert.deepEqual(ran, [0, 1, 2, 3]);
  assert.throws(() => gate.check(2), refusal(409, /seq_id 2 was already used for this model \(the next is 4\)/));
  gate.dispose();
  // A model whose first numbered request is 0 counts from 0.
  const zero = new SeqGate(60_000, 2);
  const order: number[] = [];
  zero.admit(0, () => order.push(0));
  zero.admit(1, () => order.push(1));
  assert.deepEqual(order, [0, 1]);
});

test('SeqGate gives up on a missing seq_id after the gap time and runs the held ones in order', async () => {
  const ran: number[] = [];
  const gate = new SeqGate(20, 8);
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  gate.admit(4, () => {
    ran.push(4);
    done();
  });
  gate.admit(3, () => ran.push(3));
  assert.deepEqual(ran, []);
  await finished;
  assert.deepEqual(ran, [3, 4]);
  assert.throws(() => gate.check(1), refusal(409, /already used/), 'the skipped seq_ids stay used');
});

test('WorkQueue runs one job at a time in submission order, survives a job that throws, and refuses beyond its bound', async () => {
  const log: string[] = [];
  const q = new WorkQueue(2, (e) => log.push(`error ${(e as Error).message}`));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  q.push(async () => {
    log.push('a start');
    await gate;
    log.push('a end');
  });
  q.push(async () => {
    throw new Error('b broke');
  });
  assert.equal(q.pending, 2);
  assert.throws(() => q.checkRoom(), refusal(429, /2 operations are queued; at most 2/));
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(log, ['a start']);
  release();
  while (q.pending > 0) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log, ['a start', 'a end', 'error b broke']);
  q.push(async () => {
    log.push('c');
  });
  while (q.pending > 0) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log.at(-1), 'c', 'a job that threw does not stop the queue');
  q.checkRoom();
});

test('FutureStore: long-poll, failures as data, 404 for malformed and 410 for expired ids', async () => {
  let now = 1000;
  const f = new FutureStore(3, 500, () => now);
  const a = f.create();
  assert.match(a, /^req_[0-9a-f]{16}$/);
  assert.deepEqual(await f.wait(a, 5), { kind: 'pending' });
  setTimeout(() => f.resolve(a, { ok: 1 }), 5);
  assert.deepEqual(await f.wait(a, 10_000), { kind: 'done', value: { ok: 1 } }, 'a poll returns as soon as the result is in');
  const b = f.create();
  f.fail(b, 'bad input', 'user');
  assert.deepEqual(f.lookup(b), { kind: 'done', value: { error: 'bad input', category: 'user' } });
  assert.deepEqual(f.lookup('../x'), { kind: 'malformed' });
  assert.deepEqual(f.lookup('req_0000000000000000'), { kind: 'unknown' });
  // Finished futures older than the TTL go at the next create; a pending one stays whatever its age.
  const c = f.create();
  now += 600;
  f.create();
  assert.deepEqual(f.lookup(a), { kind: 'unknown' });
  assert.deepEqual(f.lookup(b), { kind: 'unknown' });
  assert.deepEqual(f.lookup(c), { kind: 'pending' });
});
