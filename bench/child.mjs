// Child-process entry: runs one phase (lib/phases.mjs) of one engine on one dataset, receiving
// the task and sending progress and the result over the IPC channel. Started by lib/runner.mjs.
import { buildPhase, servePhase } from './lib/phases.mjs';

const send = (message) => new Promise((resolve) => process.send(message, resolve));

process.once('message', async (task) => {
  try {
    const run = task.phase === 'build' ? buildPhase : servePhase;
    const result = await run(task, (message) => process.send(message));
    await send({ type: 'result', result });
  } catch (error) {
    await send({ type: 'error', message: error?.stack ?? String(error) });
  }
  // Some engines keep worker threads or runtimes alive; the result is sent, so leave now.
  process.exit(0);
});
