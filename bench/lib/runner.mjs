// Starts child.mjs for one phase and waits for its result. Each phase gets a fresh process
// (clean memory figures; one engine's native state can never leak into another's numbers),
// --expose-gc (settled RSS), and a time limit, after which it is killed and reported as such.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../child.mjs', import.meta.url));
const TAIL_CHARS = 4000; // of the child's own output, kept for the error message

export function runPhase(task, { timeoutMs, onProgress }) {
  return new Promise((resolve) => {
    const child = fork(CHILD, [], {
      execArgv: ['--expose-gc', '--max-old-space-size=16384'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced', // typed arrays and Infinity survive the trip
    });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk).slice(-TAIL_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);

    let settled = null;
    const finish = (outcome) => {
      if (settled) return;
      settled = outcome;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, error: `timed out after ${Math.round(timeoutMs / 60000)} min` });
    }, timeoutMs);

    child.on('message', (message) => {
      if (message.type === 'progress') onProgress?.(message.done, message.total);
      else if (message.type === 'result') finish({ ok: true, result: message.result });
      else if (message.type === 'error') finish({ ok: false, error: message.message });
    });
    child.on('exit', (code, signal) => {
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
      finish({ ok: false, error: `child ${why} before reporting\n${output.trim()}` });
    });
    child.send(task);
  });
}
