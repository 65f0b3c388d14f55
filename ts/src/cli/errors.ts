// Exit codes and the one-line error format of the `quiver` CLI. Scripts rely on these: keep them
// stable and keep the README's table in sync.

import { QuiverError } from '../errors.js';

/** Exit codes of `quiver`. */
export const ExitCode = {
  /** Done. */
  OK: 0,
  /** The index, a file or the engine reported an error (the line names its code). */
  RUNTIME: 1,
  /** Bad command line: unknown command or option, missing or malformed argument. */
  USAGE: 2,
  /** `quiver verify` found the HNSW graph out of step with the database (and rebuilt it). */
  REPAIRED: 3,
} as const;

/** A mistake in the command line (exit code 2). */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The error line printed on stderr and the exit code for any error a command throws. */
export function describeError(err: unknown): { line: string; exitCode: number } {
  if (err instanceof UsageError) {
    return { line: `quiver: usage error: ${err.message} (see --help)`, exitCode: ExitCode.USAGE };
  }
  if (err instanceof QuiverError) {
    return { line: `quiver: ${err.code}: ${firstLine(err.message)}`, exitCode: ExitCode.RUNTIME };
  }
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  // Node's own errors (ENOENT, EACCES...) carry a string code too.
  const prefix = typeof code === 'string' ? `${code}: ` : 'ERROR: ';
  return { line: `quiver: ${prefix}${firstLine(message)}`, exitCode: ExitCode.RUNTIME };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
