// Command-line flags: --name (true) and --name=value. Unknown flags are an error, so a typo
// never silently runs a different benchmark than the one asked for.

export function parseFlags(argv, known) {
  const flags = {};
  for (const arg of argv) {
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!match || !known.includes(match[1])) {
      throw new Error(`unknown argument ${arg} (known: ${known.map((k) => `--${k}`).join(' ')})`);
    }
    flags[match[1]] = match[2] ?? true;
  }
  return flags;
}

/** Parses "100000", "100_000", "100k" or "1m" into a positive integer. */
export function parseCount(text, name) {
  const match = /^(\d[\d_]*)(k|m)?$/i.exec(String(text));
  const multiplier = { k: 1e3, m: 1e6 }[match?.[2]?.toLowerCase()] ?? 1;
  const value = match ? Number(match[1].replaceAll('_', '')) * multiplier : NaN;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive count`);
  return value;
}
