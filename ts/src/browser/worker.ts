// The quiverdb worker: runs the in-thread browser backend (the WASM core + IndexedDB) off the
// page's main thread and answers worker-backend.ts's requests. Started by the worker backend as
// `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`.
//
// Requests are handled as they arrive, concurrently: the core answers each call synchronously,
// and LocalIndex already orders the calls that must not overlap (it awaits a write before
// anything that follows it).

import type { Backend, BackendIndex } from '../backend.js';
import { QuiverError } from '../errors.js';
import { createBrowserBackend } from './in-thread.js';
import {
  type Call,
  type IndexOp,
  type Request,
  type Response,
  serializeError,
  transferables,
} from './rpc.js';

/** The part of DedicatedWorkerGlobalScope used here (the DOM and WebWorker libs conflict). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: Response, transfer: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
const INDEX_OPS = new Set<IndexOp>([
  'stats',
  'beginUpdate',
  'endUpdate',
  'cancelUpdate',
  'insert',
  'upsert',
  'remove',
  'get',
  'list',
  'query',
  'verify',
  'close',
]);

let backend: Backend | undefined;
const handles = new Map<number, BackendIndex>();
let nextHandle = 1;

async function run(request: Call): Promise<unknown> {
  backend ??= createBrowserBackend();
  if (request.kind === 'backend') {
    const { op, args } = request;
    const [folder, ...rest] = args as [string, ...unknown[]];
    switch (op) {
      case 'exists':
        return backend.exists(folder);
      case 'create':
        return backend.create(folder, rest[0] as string, rest[1] as boolean);
      case 'destroy':
        return backend.destroy(folder);
      case 'open': {
        const handle = nextHandle++;
        handles.set(handle, await backend.open(folder));
        return handle;
      }
      default:
        throw new QuiverError('INTERNAL', `quiverdb worker: unknown call ${String(op)}`);
    }
  }
  const index = handles.get(request.handle);
  if (!index) throw new QuiverError('CLOSED', 'the index is closed');
  if (!INDEX_OPS.has(request.op)) {
    throw new QuiverError('INTERNAL', `quiverdb worker: unknown call ${String(request.op)}`);
  }
  if (request.op === 'close') {
    // The core releases the index even when its final save fails: forget the handle either way.
    handles.delete(request.handle);
    return index.close();
  }
  const method = index[request.op] as (...args: unknown[]) => Promise<unknown>;
  return method.apply(index, request.args);
}

scope.onmessage = (event) => {
  const request = event.data;
  if (request.kind === 'init') {
    backend = createBrowserBackend(request.options);
    return;
  }
  run(request).then(
    (value) => scope.postMessage({ id: request.id, ok: true, value }, transferables(value)),
    (err: unknown) =>
      scope.postMessage({ id: request.id, ok: false, error: serializeError(err) }, []),
  );
};
