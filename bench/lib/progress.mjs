// A progress bar on stderr (so stdout stays a clean report). cli-progress draws nothing when
// stderr is not a terminal, which keeps CI logs and redirected output readable.
import cliProgress from 'cli-progress';

export function progressBar(label, total) {
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${label.padEnd(28)} {bar} {percentage}% | {value}/{total}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (value) => bar.update(value),
    stop: () => bar.stop(),
  };
}
