// Orders the calls of one LocalIndex. Vectra users often fire calls without awaiting them (its
// `cancelUpdate()` is even synchronous), e.g. `index.cancelUpdate(); await index.beginUpdate()`.
// Our calls are asynchronous and the addon runs them on a thread pool, so without ordering the
// begin could reach the core before the cancel. Rules:
//   - a write (anything that changes state) starts after every call issued before it has settled;
//   - a read starts after every write issued before it has settled (read-your-writes), but reads
//     run concurrently with each other, so parallel queries keep using the core's thread safety;
//   - except a write issued with `readsWait: false` (insertItems' and upsertItems' `concurrentReads`): reads issued
//     while it runs start right away and see what it has committed so far. Writes still wait for
//     it, and reads issued after a later ordinary write wait for that one (hence for it too).

const ignore = (): void => {};

export class OpQueue {
  /** Settles when the last write issued so far has settled. */
  private lastWrite: Promise<void> = Promise.resolve();
  /** Settles when the last write that reads wait for has settled. */
  private readBarrier: Promise<void> = Promise.resolve();
  /** Reads issued since the last write and not yet settled. */
  private reads = new Set<Promise<void>>();
  /** Writes issued, not yet settled, that reads wait for. */
  private writesPending = 0;

  /** True when no write is pending: a read may start right away. */
  idle(): boolean {
    return this.writesPending === 0;
  }

  /** Counts an already started read (begun while idle()) as in flight, for later writes. */
  track<T>(result: Promise<T>): Promise<T> {
    const reads = this.reads;
    const settled = result.then(ignore, ignore);
    reads.add(settled);
    void settled.then(() => reads.delete(settled));
    return result;
  }

  /** Runs `fn` once every earlier write has settled: right away when none is pending. */
  read<T>(fn: () => Promise<T>): Promise<T> {
    return this.track(this.writesPending === 0 ? fn() : this.readBarrier.then(() => fn()));
  }

  /** Runs `fn` once every earlier call (read or write) has settled. */
  write<T>(fn: () => Promise<T>, { readsWait = true }: { readsWait?: boolean } = {}): Promise<T> {
    const before: Promise<unknown> =
      this.reads.size === 0 ? this.lastWrite : Promise.all([this.lastWrite, ...this.reads]);
    this.reads = new Set();
    const result = before.then(() => fn());
    // A failed write must not block the calls queued behind it.
    this.lastWrite = result.then(ignore, ignore);
    if (readsWait) {
      this.writesPending++;
      this.readBarrier = this.lastWrite.then(() => void this.writesPending--);
    }
    return result;
  }
}
