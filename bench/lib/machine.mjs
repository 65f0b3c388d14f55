// A description of the machine, stored with every result so figures are never read out of context.
import os from 'node:os';

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/**
 * A warning when other work competes for the cores (1-minute load average), or null: figures
 * measured on a busy machine are not comparable. os.loadavg() is all zeros on Windows.
 */
export function busyWarning() {
  const load = os.loadavg()[0];
  const cores = os.cpus().length;
  return load > cores * 0.75
    ? `machine busy: load average ${load.toFixed(1)} on ${cores} cores, figures will be noisy`
    : null;
}
