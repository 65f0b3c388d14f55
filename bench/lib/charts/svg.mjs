// A few SVG primitives, as strings. Hand-written instead of a charting dependency: the charts
// are two simple shapes, and plain SVG opens in any browser with nothing to install.

const escapeText = (text) =>
  String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );

const round = (value) => (typeof value === 'number' ? Math.round(value * 100) / 100 : value);

function attributes(attrs) {
  return Object.entries(attrs)
    .filter(([, value]) => value !== undefined && value !== null && value !== false)
    .map(([name, value]) => ` ${name}="${escapeText(round(value))}"`)
    .join('');
}

/** <tag attrs>children</tag>; children are already-built strings. */
export function el(tag, attrs = {}, ...children) {
  const inner = children.flat().filter(Boolean).join('');
  return inner ? `<${tag}${attributes(attrs)}>${inner}</${tag}>` : `<${tag}${attributes(attrs)}/>`;
}

export const text = (x, y, content, attrs = {}) =>
  el('text', { x, y, ...attrs }, escapeText(content));

export const line = (x1, y1, x2, y2, attrs = {}) => el('line', { x1, y1, x2, y2, ...attrs });

export const polyline = (points, attrs = {}) =>
  el('polyline', {
    points: points.map(([x, y]) => `${round(x)},${round(y)}`).join(' '),
    fill: 'none',
    ...attrs,
  });

/** A complete standalone document with a white background and a system font. */
export function svgDocument(width, height, ...children) {
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'font-family': 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
      'font-size': 12,
    },
    el('rect', { width, height, fill: 'white' }),
    ...children,
  );
}

/** Marker shapes, so series stay distinguishable in greyscale and for colour-blind readers. */
export function marker(shape, x, y, size, attrs) {
  const r = size / 2;
  if (shape === 'square')
    return el('rect', { x: x - r, y: y - r, width: size, height: size, ...attrs });
  if (shape === 'diamond') {
    return el('polygon', {
      points: `${x},${y - r * 1.3} ${x + r * 1.3},${y} ${x},${y + r * 1.3} ${x - r * 1.3},${y}`,
      ...attrs,
    });
  }
  if (shape === 'triangle') {
    return el('polygon', {
      points: `${x},${y - r * 1.2} ${x + r * 1.1},${y + r * 0.8} ${x - r * 1.1},${y + r * 0.8}`,
      ...attrs,
    });
  }
  return el('circle', { cx: x, cy: y, r, ...attrs });
}
