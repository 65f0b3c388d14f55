// Recall@10 (x, see recall-axis.mjs) against queries per second (y, log scale) for one
// dataset: one line per HNSW engine through its efSearch sweep, one marker per exact
// (brute-force) engine. Up and to the right is better. The dashed line is the recall target
// of the summary tables.
import { datasetTitle, formatNumber } from '../format.mjs';
import { styleOf } from './palette.mjs';
import { recallAxis } from './recall-axis.mjs';
import { compactNumber, decadeBounds, log10Scale, logTicks } from './scale.mjs';
import { el, line, marker, polyline, svgDocument, text } from './svg.mjs';

const W = 780;
const H = 495;
const PLOT = { left: 72, right: 560, top: 66, bottom: 410 };
const GRID = '#e3e3e3';
const AXIS = '#444';

function axes(recall, y, yTicks) {
  const parts = [];
  for (const { value, label } of recall.ticks) {
    parts.push(line(recall.x(value), PLOT.top, recall.x(value), PLOT.bottom, { stroke: GRID }));
    parts.push(
      text(recall.x(value), PLOT.bottom + 18, label, { 'text-anchor': 'middle', fill: AXIS }),
    );
  }
  for (const { value, major } of yTicks) {
    parts.push(
      line(PLOT.left, y(value), PLOT.right, y(value), {
        stroke: GRID,
        'stroke-width': major ? 1.2 : 0.6,
      }),
    );
    parts.push(
      text(PLOT.left - 8, y(value) + 4, compactNumber(value), { 'text-anchor': 'end', fill: AXIS }),
    );
  }
  parts.push(
    el('rect', {
      x: PLOT.left,
      y: PLOT.top,
      width: PLOT.right - PLOT.left,
      height: PLOT.bottom - PLOT.top,
      fill: 'none',
      stroke: AXIS,
    }),
  );
  parts.push(
    text((PLOT.left + PLOT.right) / 2, PLOT.bottom + 40, recall.caption, {
      'text-anchor': 'middle',
      fill: AXIS,
    }),
  );
  const yMid = (PLOT.top + PLOT.bottom) / 2;
  parts.push(
    text(18, yMid, 'queries per second (log scale)', {
      'text-anchor': 'middle',
      fill: AXIS,
      transform: `rotate(-90 18 ${yMid})`,
    }),
  );
  return parts;
}

function series(result, x, y) {
  const style = styleOf(result.engine);
  const points = result.summary.sweep;
  const xy = points.map((p) => [x(p.recall), y(p.qps)]);
  const parts = [];
  if (points.length > 1) {
    parts.push(
      polyline(xy, {
        stroke: style.color,
        'stroke-width': style.width,
        'stroke-dasharray': style.dash,
        'stroke-linejoin': 'round',
      }),
    );
  }
  const size = points.length > 1 ? 7 : 11; // a lone exact-search point is drawn larger
  for (const [px, py] of xy)
    parts.push(
      marker(style.shape, px, py, size, { fill: style.color, stroke: 'white', 'stroke-width': 1 }),
    );
  // efSearch labels on Quiver's native line only: one labelled line is enough to read the rest.
  if (result.engine === 'quiverdb') {
    // Labels below each point, skipping any that would overprint the previous one (points
    // bunch up at the right edge once recall saturates).
    const halo = { stroke: 'white', 'stroke-width': 3, 'paint-order': 'stroke' }; // legible over lines
    let last = null;
    points.forEach((p, i) => {
      const [px, py] = xy[i];
      if (last && Math.abs(px - last[0]) < 40 && Math.abs(py - last[1]) < 13) return;
      parts.push(
        text(px + 6, py + 14, `ef ${p.efSearch}`, { fill: style.color, 'font-size': 10, ...halo }),
      );
      last = [px, py];
    });
  }
  return parts;
}

function legend(dataset, labels) {
  const parts = [];
  let row = PLOT.top + 4;
  for (const result of dataset.engines) {
    const style = styleOf(result.engine);
    const ran = Boolean(result.summary);
    const label = labels[result.engine] ?? result.engine;
    const y = row + 6;
    if (ran) {
      const exact = result.summary.sweep.length === 1;
      if (!exact)
        parts.push(
          line(PLOT.right + 18, y, PLOT.right + 48, y, {
            stroke: style.color,
            'stroke-width': style.width,
            'stroke-dasharray': style.dash,
          }),
        );
      parts.push(
        marker(style.shape, PLOT.right + 33, y, exact ? 10 : 7, {
          fill: style.color,
          stroke: 'white',
        }),
      );
      parts.push(
        text(PLOT.right + 56, y + 4, exact ? `${label} (exact scan)` : label, { fill: '#222' }),
      );
    } else {
      parts.push(
        text(PLOT.right + 56, y + 4, `${label}: ${result.skipped ? 'skipped' : 'failed'}`, {
          fill: '#999',
        }),
      );
    }
    row += 22;
  }
  return parts;
}

/** The chart as an SVG string. `output` is the whole result (machine, settings). */
export function recallQpsChart(dataset, output, labels) {
  const ran = dataset.engines.filter((r) => r.summary);
  const points = ran.flatMap((r) => r.summary.sweep);
  if (!points.length) return null;
  const approximate = ran.filter((r) => r.summary.sweep.length > 1).flatMap((r) => r.summary.sweep);
  const recall = recallAxis(points, approximate, PLOT.left, PLOT.right);
  const x = recall.x;
  const [yLow, yHigh] = decadeBounds(
    Math.min(...points.map((p) => p.qps)),
    Math.max(...points.map((p) => p.qps)),
  );
  const y = log10Scale(yLow, yHigh, PLOT.bottom, PLOT.top);
  const target = output.settings.recallTarget;
  const { machine, settings } = output;
  const queries = Math.max(...ran.map((r) => r.queriesUsed));
  const repeats = Math.max(...ran.map((r) => r.summary.repeats));
  const runs = repeats === 1 ? 'one run' : `medians of ${repeats} runs`;
  const subtitle =
    `${formatNumber(dataset.count)} vectors, ${formatNumber(queries)} queries one at a time; HNSW M=${settings.hnsw.M}, ` +
    `efConstruction=${settings.hnsw.efConstruction}, efSearch ${settings.efSearch[0]}–${settings.efSearch.at(-1)}; ${runs}`;
  const machineLine = `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${output.date.slice(0, 10)}`;

  return svgDocument(
    W,
    H,
    text(PLOT.left, 24, `${datasetTitle(dataset)} — recall@10 vs QPS`, {
      'font-size': 16,
      'font-weight': 600,
      fill: '#111',
    }),
    text(PLOT.left, 44, subtitle, { fill: '#555', 'font-size': 11 }),
    ...axes(recall, y, logTicks(yLow, yHigh)),
    target >= recall.ticks[0].value
      ? [
          line(x(target), PLOT.top, x(target), PLOT.bottom, {
            stroke: '#888',
            'stroke-dasharray': '4 4',
          }),
          text(x(target) - 4, PLOT.top + 14, `recall ${target}`, {
            'text-anchor': 'end',
            fill: '#777',
            'font-size': 10,
          }),
        ]
      : null,
    ...ran.flatMap((r) => series(r, x, y)),
    ...legend(dataset, labels),
    text(PLOT.right + 18, PLOT.bottom, 'up and right is better', { fill: '#777', 'font-size': 10 }),
    text(PLOT.left, H - 12, machineLine, { fill: '#777', 'font-size': 10 }),
  );
}
