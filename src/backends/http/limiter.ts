// A counting semaphore: at most `max` tasks run at once, the rest wait in arrival order. Caps the
// sampling requests one backend keeps in flight on a server.
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Runs `task` once fewer than `max` others are running. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.running--;
    }
  }

  /** Tasks running now (for tests and progress). */
  get active(): number {
    return this.running;
  }
}
