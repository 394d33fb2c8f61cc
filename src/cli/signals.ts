// SIGINT (Ctrl-C) and SIGTERM, the same way in every command. A command that listens for neither ends
// with the signal, as any Unix tool does. `bct run` and `bct demo` stop their sweep after the current
// batch: the first signal is a request (`catchStopSignals`), the run records itself as interrupted and the
// command exits 130 (SIGINT) or 143 (SIGTERM); a second signal ends the process at once with the same
// status, which is safe because every batch is recorded in one transaction. `bct view` closes its server
// and exits 0 (`nextStopSignal`).
import type { Writable } from 'node:stream';
import { STOP_SIGNALS, type StopSignal } from '../errors.js';

const SIGNALS = Object.keys(STOP_SIGNALS) as StopSignal[];

export interface StopRequests {
  /** The first signal received, or undefined while none came. */
  requested(): StopSignal | undefined;
  /** Stops listening (the signals end the process again). */
  release(): void;
}

/** Until `release()`, turns the first SIGINT or SIGTERM into a request the work polls (`requested`), and
 *  a second one into an immediate exit with 128 + its number. Both are announced on `err`. */
export function catchStopSignals(err: Writable): StopRequests {
  let first: StopSignal | undefined;
  const on = (signal: StopSignal): void => {
    if (first === undefined) {
      first = signal;
      err.write(`\nbct: ${signal}: stopping after the current batch (send it again to stop at once)\n`);
      return;
    }
    err.write(`bct: ${signal} again: stopped at once; run the same command again to resume\n`);
    process.exit(STOP_SIGNALS[signal]);
  };
  const handlers = SIGNALS.map((s) => [s, () => on(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return {
    requested: () => first,
    release: () => {
      for (const [s, h] of handlers) process.off(s, h);
    },
  };
}

/** Resolves with the next SIGINT or SIGTERM; until then neither ends the process (after it, both do
 *  again, so a second Ctrl-C ends a shutdown that hangs). */
export function nextStopSignal(): Promise<StopSignal> {
  return new Promise((resolve) => {
    const handlers = SIGNALS.map((s) => [s, () => done(s)] as const);
    const done = (signal: StopSignal): void => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(signal);
    };
    for (const [s, h] of handlers) process.on(s, h);
  });
}
