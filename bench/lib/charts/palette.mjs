// One colour, marker and dash per engine, the same in every chart. Quiver's two builds are the
// subject, so they get the heaviest lines.
export const STYLES = {
  quiverdb: { color: '#1f5fbf', shape: 'circle', width: 3 },
  'quiverdb-wasm': { color: '#1fa4b4', shape: 'circle', width: 3, dash: '7 4' },
  'hnswlib-node': { color: '#e07b00', shape: 'square', width: 1.8 },
  'hnswlib-wasm': { color: '#b8a000', shape: 'square', width: 1.8, dash: '7 4' },
  usearch: { color: '#2a9d3a', shape: 'triangle', width: 1.8 },
  lancedb: { color: '#8e44ad', shape: 'diamond', width: 1.8 },
  vectra: { color: '#d62728', shape: 'diamond', width: 1.8 },
  'sqlite-vec': { color: '#7f5539', shape: 'square', width: 1.8 },
};

export const styleOf = (id) => STYLES[id] ?? { color: '#555', shape: 'circle', width: 1.5 };
