// Futures: every operation that runs on the engine answers at once with a request_id; the client polls
// `retrieve_future` for its result. Ids are `req_` + 16 random hex digits. A finished future is kept for
// futureTtlMs and at most maxFutures are kept (the oldest finished ones go first), so a well-formed id
// the server no longer knows is an expired one (410: the SDK resubmits the original request), while an
// id of any other form was never issued (404).
import { randomBytes } from 'node:crypto';

export type FailureCategory = 'user' | 'server';

interface Entry {
  state: 'pending' | 'done' | 'failed';
  value: unknown; // the result JSON, or { error, category } when failed
  finishedAt: number;
  waiters: Set<() => void>;
}

export type Lookup = { kind: 'malformed' } | { kind: 'unknown' } | { kind: 'pending' } | { kind: 'done'; value: unknown };

export const REQUEST_ID = /^req_[0-9a-f]{16}$/;

export class FutureStore {
  private readonly entries = new Map<string, Entry>(); // insertion order = age

  constructor(
    private readonly maxKept: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** A new pending future's id. */
  create(): string {
    this.sweep();
    let id: string;
    do id = `req_${randomBytes(8).toString('hex')}`;
    while (this.entries.has(id));
    this.entries.set(id, { state: 'pending', value: null, finishedAt: 0, waiters: new Set() });
    return id;
  }

  resolve(id: string, value: unknown): void {
    this.finish(id, 'done', value);
  }

  fail(id: string, error: string, category: FailureCategory): void {
    this.finish(id, 'failed', { error, category });
  }

  private finish(id: string, state: 'done' | 'failed', value: unknown): void {
    const e = this.entries.get(id);
    if (e === undefined || e.state !== 'pending') return;
    e.state = state;
    e.value = value;
    e.finishedAt = this.now();
    for (const w of e.waiters) w();
    e.waiters.clear();
  }

  lookup(id: string): Lookup {
    if (!REQUEST_ID.test(id)) return { kind: 'malformed' };
    const e = this.entries.get(id);
    if (e === undefined) return { kind: 'unknown' };
    if (e.state === 'pending') return { kind: 'pending' };
    return { kind: 'done', value: e.value };
  }

  /** The future's state once it finishes or `timeoutMs` passes, whichever comes first (long-poll). */
  async wait(id: string, timeoutMs: number): Promise<Lookup> {
    const first = this.lookup(id);
    if (first.kind !== 'pending') return first;
    const e = this.entries.get(id)!;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        e.waiters.delete(done);
        resolve();
      }
      e.waiters.add(done);
    });
    return this.lookup(id);
  }

  /** Wakes every waiting poll (server shutdown): each answers with the state it finds. */
  wakeAll(): void {
    for (const e of this.entries.values()) {
      for (const w of [...e.waiters]) w();
    }
  }

  /** Drops finished futures older than the TTL, then the oldest finished ones beyond maxKept. */
  private sweep(): void {
    const cutoff = this.now() - this.ttlMs;
    let excess = this.entries.size + 1 - this.maxKept;
    for (const [id, e] of this.entries) {
      if (e.state === 'pending') continue;
      if (e.finishedAt < cutoff || excess > 0) {
        this.entries.delete(id);
        excess--;
      }
    }
  }
}
