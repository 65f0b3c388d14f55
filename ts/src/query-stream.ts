// queryStream: an AsyncIterable over a cursor in the core (query/cursor.h). Each iteration opens
// its own cursor on its first next(), asks the core for one batch per next(), and frees the
// cursor as soon as the stream ends, the loop breaks (`return()`), the signal aborts, or — as a
// backstop for an iterator dropped half-read — when the iterator is garbage-collected.

import type { BackendIndex, PackedItems, VectorLike } from './backend.js';
import { invalidArgument } from './errors.js';
import { toFilterJson } from './filter-json.js';
import { unpackHits, unpackItems } from './packed.js';
import type { IndexItem, MetadataFilter, QueryResult, QueryStreamOptions } from './types.js';

export type { QueryStreamOptions };

/** How a stream reaches the open index: LocalIndex's read queue. */
export type ReadOnIndex = <R>(fn: (index: BackendIndex) => Promise<R>) => Promise<R>;

const DEFAULT_STREAM_BATCH = 100;
const STREAM_OPTIONS = ['filter', 'batchSize', 'maxResults', 'efSearch', 'includeVectors', 'signal'];

interface OpenCursor {
  index: BackendIndex;
  cursor: number;
}

// Closes the cursor of an iterator that was dropped without finishing or return().
const abandoned = new FinalizationRegistry<OpenCursor>(({ index, cursor }) => {
  index.closeCursor(cursor).catch(() => undefined);
});

export function checkStreamOptions(options: unknown): { json: string; batchSize: number; signal?: AbortSignal } {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalidArgument(
      'options must be an object like { batchSize?, filter?, maxResults?, efSearch?, includeVectors?, signal? }',
    );
  }
  const o = options as Record<string, unknown>;
  const unknown = Object.keys(o).find((key) => !STREAM_OPTIONS.includes(key));
  if (unknown !== undefined) {
    throw invalidArgument(`options has an unknown option ${JSON.stringify(unknown)}; the options are: ${STREAM_OPTIONS.join(', ')}`);
  }
  const batchSize = o.batchSize ?? DEFAULT_STREAM_BATCH;
  if (typeof batchSize !== 'number') throw invalidArgument(`batchSize must be a number from 1 to 10000 (got ${String(batchSize)})`);
  const signal = o.signal ?? undefined;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgument('signal must be an AbortSignal');
  // Numbers go to the core, which checks them (NaN/Infinity as text, so it names them), and so
  // does includeVectors.
  const core: Record<string, unknown> = {};
  for (const key of ['maxResults', 'efSearch', 'includeVectors'] as const) {
    const v = o[key];
    if (v !== undefined && v !== null) core[key] = typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
  }
  let json = JSON.stringify(core);
  if (o.filter !== undefined && o.filter !== null) {
    const filterText = toFilterJson(o.filter as MetadataFilter, 'filter');
    json = `${json.slice(0, -1)}${json === '{}' ? '' : ','}"filter":${filterText}}`;
  }
  return { json, batchSize, ...(signal ? { signal: signal as AbortSignal } : {}) };
}

class CursorIterator<R> implements AsyncIterator<R[]> {
  private open?: OpenCursor;
  private finished = false;
  private abortReported = false;
  private readonly onAbort = () => void this.close();

  constructor(
    private readonly read: ReadOnIndex,
    private readonly unpack: (packed: PackedItems) => R[],
    private readonly vector: VectorLike | undefined,
    private readonly json: string,
    private readonly batchSize: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  async next(): Promise<IteratorResult<R[]>> {
    if (this.signal?.aborted && !this.abortReported) {
      // The cursor was freed when the signal fired; this call reports why the stream ended.
      this.abortReported = true;
      await this.close();
      this.signal.throwIfAborted();
    }
    if (this.finished) return { done: true, value: undefined };
    try {
      this.signal?.throwIfAborted();
      if (!this.open) {
        this.open = await this.read(async (index) => ({ index, cursor: await index.openCursor(this.vector, this.json) }));
        abandoned.register(this, this.open, this);
        if (this.finished || this.signal?.aborted) {
          await this.close();
          this.signal?.throwIfAborted();
          return { done: true, value: undefined };
        }
      }
      const { cursor } = this.open;
      const packed = await this.read((index) => index.cursorNext(cursor, this.batchSize));
      this.signal?.throwIfAborted();
      if (packed.count === 0) {
        await this.close();
        return { done: true, value: undefined };
      }
      return { done: false, value: this.unpack(packed) };
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async return(): Promise<IteratorResult<R[]>> {
    await this.close();
    return { done: true, value: undefined };
  }

  private async close(): Promise<void> {
    this.finished = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    const open = this.open;
    this.open = undefined;
    if (!open) return;
    abandoned.unregister(this);
    await open.index.closeCursor(open.cursor).catch(() => undefined);
  }
}

/** The AsyncIterable returned by queryStream: each `for await` runs its own cursor. */
// Bad options reject the first next() (like every other call, never a synchronous throw).
export function queryStream<T>(read: ReadOnIndex, vector: VectorLike, options: unknown): AsyncIterable<QueryResult<T>[]> {
  let checked: ReturnType<typeof checkStreamOptions>;
  try {
    checked = checkStreamOptions(options);
  } catch (err) {
    return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
  }
  const { json, batchSize, signal } = checked;
  return {
    [Symbol.asyncIterator]: () => new CursorIterator<QueryResult<T>>(read, unpackHits<T>, vector, json, batchSize, signal),
  };
}

/**
 * The AsyncIterable returned by iterateItems: every item (filtered) in insertion order from one
 * snapshot (the core's query/item_cursor.h); each `for await` runs its own iterator.
 */
export function iterateItems<T>(read: ReadOnIndex, options: unknown): AsyncIterable<IndexItem<T>[]> {
  let checked: { json: string; batchSize: number; signal?: AbortSignal };
  try {
    if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) {
      throw invalidArgument('options must be an object like { filter?, batchSize?, signal? }');
    }
    const { filter, batchSize, signal, ...rest } = (options ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) {
      throw invalidArgument(`options has an unknown option ${JSON.stringify(unknown)}; the options are: filter, batchSize, signal`);
    }
    const base = checkStreamOptions({ filter, batchSize, signal });
    checked = { ...base, json: `{"order":"insertion"${base.json === '{}' ? '' : `,${base.json.slice(1, -1)}`}}` };
  } catch (err) {
    return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
  }
  const { json, batchSize, signal } = checked;
  return {
    [Symbol.asyncIterator]: () => new CursorIterator<IndexItem<T>>(read, unpackItems<T>, undefined, json, batchSize, signal),
  };
}
