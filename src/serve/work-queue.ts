// Running engine work: one operation at a time (the engine is synchronous and single-threaded), first
// come first served, with a turn of the event loop between operations so polls and /healthz are answered
// in between (operations themselves yield between micro-batches). A training model's operations enter
// the queue in seq_id order: the SDK numbers them 1, 2, … and may send chunks of one forward_backward
// out of order, so a request whose predecessor has not arrived is held until it does, or until
// seqGapMs passes (a predecessor that was refused, or a client that skips numbers), then runs. A refused
// request leaves the gate as it was (a bad request changes nothing), so its successor waits out the gap.
import { HttpError } from '../http/index.js';

export class WorkQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly maxQueued: number,
    /** Told about a job that threw (jobs report their own failures; this is a bug), so the queue goes on. */
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Operations submitted and not yet finished. */
  get pending(): number {
    return this.waiting;
  }

  /** Refuses (429) when the queue is full; call before creating anything for a request. */
  checkRoom(): void {
    if (this.waiting >= this.maxQueued) throw new HttpError(429, `${this.waiting} operations are queued; at most ${this.maxQueued}; retry later`, { 'retry-after': '1' });
  }

  /** Appends `job`; it runs after every job submitted before it. */
  push(job: () => Promise<void>): void {
    this.waiting++;
    this.tail = this.tail.then(async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        await job();
      } catch (e) {
        this.onError(e);
      } finally {
        this.waiting--;
      }
    });
  }
}

/** Orders one model's numbered requests: `admit(seq, start)` calls `start` in seq order. */
export class SeqGate {
  private next = 1; // the SDK starts at 1; a model whose first numbered request is 0 starts at 0
  private fresh = true;
  private readonly held = new Map<number, () => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly gapMs: number,
    private readonly maxHeld: number,
  ) {}

  /** Refuses a seq_id that can no longer run in order: at or below one already admitted (409), or one
   *  more held request than allowed (429). A replay of an admitted request is answered before this. */
  check(seq: number): void {
    if (seq < this.next && !(this.fresh && seq === 0)) throw new HttpError(409, `seq_id ${seq} was already used for this model (the next is ${this.next}); seq_ids must increase`);
    if (this.held.has(seq)) throw new HttpError(409, `seq_id ${seq} is already waiting for its turn`);
    if (seq > this.next && this.held.size >= this.maxHeld) throw new HttpError(429, `${this.held.size} requests are waiting for seq_id ${this.next}; retry later`);
  }

  /** Runs `start` now if `seq` is next (or null: unnumbered), else when its predecessors have run. */
  admit(seq: number | null, start: () => void): void {
    if (seq === null) return start();
    if (this.fresh && seq === 0) this.next = 0;
    this.check(seq);
    this.fresh = false;
    if (seq > this.next) {
      this.held.set(seq, start);
      this.arm();
      return;
    }
    this.next = seq + 1;
    start();
    this.flush();
  }

  private flush(): void {
    for (let start = this.held.get(this.next); start !== undefined; start = this.held.get(this.next)) {
      this.held.delete(this.next);
      this.next++;
      start();
    }
    if (this.held.size === 0 && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** After gapMs with requests still held, the gap is given up: the lowest held seq_id runs next. */
  private arm(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.held.size === 0) return;
      this.next = Math.min(...this.held.keys());
      this.flush();
      if (this.held.size > 0) this.arm();
    }, this.gapMs);
    this.timer.unref();
  }

  /** Cancels the gap timer (model unloaded or server closing). */
  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
