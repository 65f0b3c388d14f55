// Quiver's one error type. The core decides every code and message; this file only gives them a
// class so that `err instanceof QuiverError` works across backends (native, WASM).

/** The stable error codes of Quiver (the C++ core's `quiver::ErrorCode`). */
export type QuiverErrorCode =
  | 'INVALID_ARGUMENT'
  | 'DIMENSION_MISMATCH'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_STATE'
  | 'CORRUPT'
  | 'IO'
  | 'BUSY'
  | 'LIMIT'
  | 'CLOSED'
  | 'INTERNAL'
  /** insertItems: its `signal` aborted; see {@link QuiverAbortError}. */
  | 'ABORTED'
  /** LocalDocumentIndex: the embeddings model failed or answered with something unusable. */
  | 'EMBEDDINGS';

/**
 * An error raised by Quiver. `code` is stable and meant for programs; `message` is for people and
 * matches Vectra's wording where Vectra has one (e.g. "Index already exists").
 *
 * `name` is `'Error'`, as on the plain `Error`s Vectra throws: code written against Vectra checks
 * errors with `assert.rejects(p, new Error('Index already exists'))`, which compares `name` and
 * `message` (and only the keys of the expected object, so `code` does not get in the way). Tell a
 * Quiver error apart with `err instanceof QuiverError` or `err.code`.
 */
export class QuiverError extends Error {
  /** Machine-readable reason, e.g. `'DIMENSION_MISMATCH'`. */
  readonly code: QuiverErrorCode;

  constructor(code: QuiverErrorCode, message: string) {
    // `name` is inherited from Error.prototype ('Error'), deliberately not set here.
    super(message);
    this.code = code;
  }
}

/**
 * Turns an error from a backend (an `Error` with a string `.code`) into a QuiverError with the same
 * code and message. Anything else (a bug, a user callback's error) passes through untouched.
 */
export function toQuiverError(err: unknown): unknown {
  if (err instanceof QuiverError) return err;
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  if (typeof code === 'string') {
    return new QuiverError(code as QuiverErrorCode, (err as Error).message);
  }
  return err;
}

/** Runs `fn` and rethrows whatever it throws as a QuiverError (see toQuiverError). */
export async function rewrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toQuiverError(err);
  }
}

/** The error for a JS-side input that cannot be handed to the core (wrong JS type, cycle...). */
/**
 * insertItems was stopped by its `signal`: the batch in progress was rolled back (nothing of it
 * was written), the batches before it are committed and durable — the first `committed` items
 * (in the order given). Like a DOM `AbortError`, `name` is `'AbortError'`; `code` is `'ABORTED'`.
 */
export class QuiverAbortError extends QuiverError {
  /** How many items (from the start of the input) were committed before the abort. */
  readonly committed: number;

  constructor(message: string, committed: number) {
    super('ABORTED', message);
    this.name = 'AbortError';
    this.committed = committed;
  }
}

export function invalidArgument(message: string): QuiverError {
  return new QuiverError('INVALID_ARGUMENT', message);
}
