// Answers given on the caller's thread (a read the core answered inline: the native addon's
// small queries, the WASM backends) come back as already-settled Promises, so an application
// awaiting reads in a loop only ever runs microtasks: timers, I/O and the thread pool's finished
// work — a write's completion, e.g. an insertItems({ concurrentReads }) running beside the loop —
// would wait for the whole loop. The event loop must never be held for more than ~1 ms: past
// that much inline work in one turn, an answer is handed over on the next turn instead.

const BUDGET_MS = 1;

let spent = 0;
let marked = false;

const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

function newTurn(): void {
  marked = false;
  spent = 0;
}

/** `value`, answered inline since `started` (performance.now()), as a Promise. */
export function settleInline<T>(value: T, started: number): Promise<T> {
  spent += performance.now() - started;
  if (!marked) {
    marked = true;
    nextTurn(newTurn); // scheduled first: it runs before a deferred answer below
  }
  if (spent < BUDGET_MS) return Promise.resolve(value);
  return new Promise((resolve) => nextTurn(() => resolve(value)));
}
