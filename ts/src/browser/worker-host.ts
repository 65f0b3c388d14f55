// The worker's side of the RPC (rpc.ts): keeps the indexes the page opened under handle numbers
// and answers each request by calling the backend method it names. Kept apart from worker.ts,
// which only wires it to the worker's global scope, so that it runs over any message port.
//
// Requests are handled as they arrive, concurrently: the core answers each call synchronously,
// and LocalIndex already orders the calls that must not overlap (it awaits a write before
// anything that follows it).

import type { Backend, BackendIndex } from '../backend.js';
import { QuiverError } from '../errors.js';
import type { BrowserBackendOptions } from './in-thread.js';
import {
  type Call,
  type Request,
  type Response,
  invoke,
  serializeError,
  transferables,
} from './rpc.js';

/** The end of a channel the host listens on: a DedicatedWorkerGlobalScope or a MessagePort. */
export interface HostPort {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: Response, transfer?: Transferable[]): void;
}

/**
 * Answers the requests arriving on `port` with a backend made by `createBackend` (from the init
 * message's options; with none when a call comes first).
 */
export function serveBackend(
  port: HostPort,
  createBackend: (options?: BrowserBackendOptions) => Backend,
): void {
  let backend: Backend | undefined;
  const handles = new Map<number, BackendIndex>();
  let nextHandle = 1;

  // `open` keeps the index under a new handle; every other call is forwarded as it came.
  async function run(call: Call): Promise<unknown> {
    backend ??= createBackend();
    if (call.kind === 'backend') {
      if (call.op !== 'open') return invoke(backend, call.op, call.args);
      const handle = nextHandle++;
      handles.set(handle, await backend.open(...call.args));
      return handle;
    }
    const index = handles.get(call.handle);
    if (!index) throw new QuiverError('CLOSED', 'the index is closed');
    // The core releases the index even when its final save fails: forget the handle either way.
    if (call.op === 'close') handles.delete(call.handle);
    return invoke(index, call.op, call.args);
  }

  // The result's buffers are transferred, or copied where the browser cannot detach one.
  function reply(id: number, value: unknown): void {
    const transfer = transferables(value);
    try {
      port.postMessage({ id, ok: true, value }, transfer);
    } catch (err) {
      if (transfer.length === 0) throw err;
      port.postMessage({ id, ok: true, value });
    }
  }

  port.onmessage = (event) => {
    const request = event.data;
    if (request.kind === 'init') {
      backend = createBackend(request.options);
      return;
    }
    run(request)
      .then((value) => reply(request.id, value))
      .catch((err: unknown) =>
        port.postMessage({ id: request.id, ok: false, error: serializeError(err) }),
      );
  };
}
