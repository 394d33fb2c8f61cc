// One error hierarchy for all of bctlab. Every error carries a stable `code` and, where it applies, the
// path of the offending field or file, and its message says what was expected and how to fix it.
// Library code throws these and never exits; only src/cli/ maps an error to an exit status
// (input errors -> 2, everything else -> 1).

/** Stable machine-readable error codes. Changing one is a breaking change for scripts that match on it. */
export type BctErrorCode =
  | 'config' // a setting, sweep or CLI value is invalid
  | 'data' // a data file (JSONL, corpus) is missing or malformed
  | 'checkpoint' // a weights file is missing, truncated, or of the wrong shape or dtype
  | 'shape' // two tensors' shapes do not fit together
  | 'numeric' // a loss or gradient became NaN or infinite
  | 'backend' // a training or sampling backend failed
  | 'store' // the SQLite record or the artifact folder is unusable
  | 'internal'; // a bug: an invariant of bctlab itself broke

export class BctError extends Error {
  readonly code: BctErrorCode;
  /** The field path (`sweep.lrs[2]`), file path or tensor name the error is about, if any. */
  readonly where: string | undefined;

  constructor(code: BctErrorCode, message: string, where?: string) {
    super(where === undefined ? message : `${where}: ${message}`);
    this.name = new.target.name;
    this.code = code;
    this.where = where;
  }

  /** True for errors caused by what the user gave us (exit status 2), false for failures (exit 1). */
  get isInputError(): boolean {
    return this.code === 'config' || this.code === 'data' || this.code === 'checkpoint';
  }
}

export class ConfigError extends BctError {
  constructor(message: string, where?: string) {
    super('config', message, where);
  }
}

export class DataError extends BctError {
  constructor(message: string, where?: string) {
    super('data', message, where);
  }
}

export class CheckpointError extends BctError {
  constructor(message: string, where?: string) {
    super('checkpoint', message, where);
  }
}

export class ShapeError extends BctError {
  constructor(message: string, where?: string) {
    super('shape', message, where);
  }
}

export class NumericError extends BctError {
  constructor(message: string, where?: string) {
    super('numeric', message, where);
  }
}

export class BackendError extends BctError {
  /** Whether the same request may succeed if tried again (a timeout, a 5xx, a rate limit). */
  readonly retryable: boolean;
  constructor(message: string, where?: string, retryable = false) {
    super('backend', message, where);
    this.retryable = retryable;
  }
}

export class StoreError extends BctError {
  constructor(message: string, where?: string) {
    super('store', message, where);
  }
}
