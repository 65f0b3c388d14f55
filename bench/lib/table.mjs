// Plain-text tables for terminal output: left-aligned text, right-aligned numbers.

export function formatTable(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  // A column is numeric when every cell is a number (a ratio with "×" too) or a placeholder
  // ("—", "exact", a "†" mark), possibly in parentheses.
  const numeric = headers.map((_, i) =>
    rows.every((r) => typeof r[i] === 'number' || /^\(?([\d.,-]+×?( †)?|—|exact)\)?$/.test(r[i])),
  );
  const line = (r) =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [
    line(cells[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

/** 12345.6 -> "12,346" (en-US grouping, a fixed number of decimals). */
export function formatNumber(value, decimals = 0) {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}
