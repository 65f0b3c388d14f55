// The quiverdb worker: runs the in-thread browser backend (the WASM core + IndexedDB) off the
// page's main thread and answers worker-backend.ts's requests (see worker-host.ts). Started by
// the worker backend as `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`.

import { createBrowserBackend } from './in-thread.js';
import { type HostPort, serveBackend } from './worker-host.js';

// The DOM and WebWorker libs conflict: the worker's global scope is typed by what is used.
serveBackend(globalThis as unknown as HostPort, createBrowserBackend);
