// A "worker" whose host runs in this thread, reached through a real MessageChannel (structured
// clone and transfer, as between a page and its worker): the browser backend's RPC tested in
// Node. Chromium runs the same code in its real worker in test/browser.

import { MessageChannel, type MessagePort } from 'node:worker_threads';

import type { Backend } from '../../ts/src/backend.js';
import type { Response } from '../../ts/src/browser/rpc.js';
import { type HostPort, serveBackend } from '../../ts/src/browser/worker-host.js';

/** The worker, and what the host transferred with each of its replies (in order). */
export interface LoopbackWorker {
  worker: Worker;
  transfers: Transferable[][];
}

/** A loopback worker serving `backend`; call `worker.terminate()` when done with it. */
export function loopbackWorker(backend: Backend): LoopbackWorker {
  const { port1, port2 } = new MessageChannel();
  const transfers: Transferable[][] = [];
  const host = port2 as MessagePort & HostPort;
  const post = host.postMessage.bind(host);
  host.postMessage = (message: Response, transfer?: readonly Transferable[]) => {
    transfers.push([...(transfer ?? [])]);
    post(message, transfer as never);
  };
  serveBackend(host, () => backend);
  const worker = Object.assign(port1, {
    onerror: null,
    terminate: () => {
      port1.close();
      port2.close();
    },
  });
  return { worker: worker as unknown as Worker, transfers };
}
