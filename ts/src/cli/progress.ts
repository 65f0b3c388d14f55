// Progress reporting for long CLI commands (import, export): a cli-progress bar with percentage,
// count, items/s and ETA on a terminal; on a pipe or file (CI logs) the same line every second, so
// logs show that work is moving without drowning in redraws. `--no-progress` turns it off.

import cliProgress from 'cli-progress';

/** What a command reports to; `finish` returns the summary numbers. */
export interface Progress {
  update(done: number): void;
  finish(done: number): { seconds: number; perSecond: number };
}

/** A bar on stderr (stdout stays clean for `--json` output), or a silent counter. */
export function startProgress(label: string, total: number, enabled: boolean): Progress {
  const started = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  const rate = (done: number): number => {
    const s = elapsed();
    return s > 0 ? done / s : 0;
  };
  const bar = enabled
    ? new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {value}/{total} items | {rate} items/s | ETA {eta_formatted}`,
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 1000,
          etaBuffer: 50,
          hideCursor: true,
          gracefulExit: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { rate: '0' });
  return {
    update(done) {
      bar?.update(done, { rate: Math.round(rate(done)).toLocaleString('en-US') });
    },
    finish(done) {
      const seconds = elapsed();
      bar?.update(done, { rate: Math.round(rate(done)).toLocaleString('en-US') });
      bar?.stop();
      return { seconds, perSecond: rate(done) };
    },
  };
}
