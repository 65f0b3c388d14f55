// index.html next to the charts of a run: every chart on one page, for a browser.
const escapeHtml = (s) =>
  String(s).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );

export function chartsPage(output, charts, jsonName) {
  const { machine } = output;
  const images = charts
    .map(
      (c) =>
        `<figure><img src="${escapeHtml(c.file)}" alt="${escapeHtml(c.title)}"><figcaption>${escapeHtml(c.title)}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>quiverdb benchmark ${escapeHtml(output.date)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:820px}figure{margin:0 0 2rem}img{max-width:100%;border:1px solid #ddd}</style>
<h1>quiverdb benchmark</h1>
<p>${escapeHtml(output.date)} — ${escapeHtml(machine.cpu)}, ${machine.cores} cores, ${machine.memoryGB} GiB, Node ${escapeHtml(machine.node)}. All figures: <a href="../${escapeHtml(jsonName)}">${escapeHtml(jsonName)}</a>.</p>
${images}
</html>
`;
}
