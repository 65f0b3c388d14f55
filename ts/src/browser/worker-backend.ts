// The default backend of quiverdb/browser on a page: the same core and storage as the in-thread
// backend, running in a dedicated module worker so that a large insert or a rebuild never freezes
// the page. Each call is one message to the worker and one reply; errors keep their `.code`.

import type { Backend, BackendIndex } from '../backend.js';
import { QuiverError, type QuiverErrorCode } from '../errors.js';
import type { BrowserBackendOptions } from './in-thread.js';
import {
  type BackendCall,
  type BackendOp,
  type Call,
  type IndexCall,
  type IndexOp,
  type Request,
  type Response,
  type ResultOf,
  compactViews,
  forwarder,
} from './rpc.js';

/** Options of {@link createWorkerBackend}. */
export interface WorkerBackendOptions extends BrowserBackendOptions {
  /**
   * Creates the worker, for apps whose bundler needs its own syntax or that host `worker.js`
   * elsewhere. Default: `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`,
   * which Vite, webpack 5 and Parcel recognise and bundle.
   */
  createWorker?: () => Worker;
}

/** A backend whose core runs in a dedicated worker. */
export interface WorkerBackend extends Backend {
  /**
   * Stops the worker now. Calls in flight and later calls on indexes it had open reject with
   * CLOSED (writes whose promise had resolved are in IndexedDB); the next backend-level call
   * (e.g. a new LocalIndex's first call) starts a fresh worker.
   */
  terminate(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One worker and the calls waiting for its replies. */
class Connection {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker is gone; every call then rejects with it. */
  failure: QuiverError | undefined;

  constructor(options: WorkerBackendOptions) {
    this.worker = options.createWorker
      ? options.createWorker()
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<Response>) => this.settle(event.data);
    this.worker.onerror = (event: ErrorEvent) => {
      // Every call is answered with a reply, even a failed one: an error event means the worker
      // itself is broken (usually worker.js or a module it imports could not be loaded).
      event.preventDefault();
      const detail = event.message || 'worker.js or one of its imports could not be loaded';
      this.fail(new QuiverError('INTERNAL', `quiverdb: the worker failed: ${detail}`));
    };
    this.worker.onmessageerror = () => {
      this.fail(new QuiverError('INTERNAL', 'quiverdb: a reply from the worker could not be read'));
    };
    const { wasmUrl, wasmBinary, durability } = options;
    const init: Request = {
      kind: 'init',
      options: {
        // Relative URLs mean relative to the page, not to the worker's script.
        ...(wasmUrl !== undefined ? { wasmUrl: new URL(String(wasmUrl), location.href).href } : {}),
        ...(wasmBinary !== undefined ? { wasmBinary } : {}),
        ...(durability !== undefined ? { durability } : {}),
      },
    };
    this.worker.postMessage(init);
  }

  /** Calls index method K on the index `open` numbered `message.handle`. */
  callIndex<K extends IndexOp>(message: IndexCall<K>): Promise<ResultOf<BackendIndex, K>> {
    return this.send(message) as Promise<ResultOf<BackendIndex, K>>;
  }

  /** Calls backend method K (`open` has its own call below). */
  callBackend<K extends Exclude<BackendOp, 'open'>>(
    message: BackendCall<K>,
  ): Promise<ResultOf<Backend, K>> {
    return this.send(message) as Promise<ResultOf<Backend, K>>;
  }

  /** Opens the index in `folder` in the worker; answers the handle its calls name. */
  open(folder: string, options?: string): Promise<number> {
    return this.send({ kind: 'backend', op: 'open', args: [folder, options] }) as Promise<number>;
  }

  // The transport: the typed calls above decide what a message holds (TypeScript cannot widen a
  // call with a generic method name to the union of all calls, hence this plainer type).
  private send(message: { kind: Call['kind']; op: string; args: unknown[] }): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        // Cloned, not transferred: the vectors are the caller's (LocalIndex passes the app's own
        // arrays through), and transferring would leave them empty. A view on part of a larger
        // buffer goes as a copy of its own range (compactViews), not with the whole buffer.
        this.worker.postMessage({ ...message, args: compactViews(message.args), id });
      } catch (err) {
        // Only values the structured clone cannot copy (functions, symbols...) end up here; the
        // in-thread backend rejects them as INVALID_ARGUMENT too.
        this.pending.delete(id);
        const reason = err instanceof Error ? err.message : String(err);
        reject(
          new QuiverError('INVALID_ARGUMENT', `cannot pass this value to the core: ${reason}`),
        );
      }
    });
  }

  fail(error: QuiverError): void {
    if (this.failure) return;
    this.failure = error;
    this.worker.terminate();
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  private settle(response: Response): void {
    const waiting = this.pending.get(response.id);
    if (!waiting) return;
    this.pending.delete(response.id);
    if (response.ok) {
      waiting.resolve(response.value);
      return;
    }
    const { name, message, code } = response.error;
    if (code === undefined) {
      const error = new Error(message);
      error.name = name;
      waiting.reject(error);
    } else {
      waiting.reject(new QuiverError(code as QuiverErrorCode, message));
    }
  }
}

/** An index open in the worker: every BackendIndex method is one message with its handle. */
function remoteIndex(connection: Connection, handle: number): BackendIndex {
  const local = {
    async close() {
      // A terminated worker took the index (and its lock) with it: nothing is left to close.
      if (connection.failure) return;
      await connection.callIndex({ kind: 'index', handle, op: 'close', args: [] });
    },
  };
  return forwarder<BackendIndex, keyof typeof local>(local, (op, args) =>
    connection.callIndex({ kind: 'index', handle, op, args }),
  );
}

/**
 * A backend running the WASM core in a dedicated module worker (name "browser-worker"): the
 * page's thread only sends messages, so it stays responsive during large writes. The worker is
 * started on first use; all indexes opened through this backend share it. Vectors are copied to
 * the worker, and results' vectors are transferred back without copying.
 */
export function createWorkerBackend(options: WorkerBackendOptions = {}): WorkerBackend {
  let connection: Connection | undefined;
  const connect = (): Connection => {
    if (!connection || connection.failure) connection = new Connection(options);
    return connection;
  };

  const local: Pick<WorkerBackend, 'name' | 'open' | 'terminate'> = {
    name: 'browser-worker',
    async open(folder, options) {
      const c = connect();
      return remoteIndex(c, await c.open(folder, options));
    },
    terminate() {
      connection?.fail(
        new QuiverError('CLOSED', 'the quiverdb worker was terminated; open the index again'),
      );
      connection = undefined;
    },
  };
  return forwarder<WorkerBackend, keyof typeof local>(local, (op, args) =>
    connect().callBackend({ kind: 'backend', op, args }),
  );
}
