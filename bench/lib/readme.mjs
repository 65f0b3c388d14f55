// Replaces the generated part of the repository README: everything between the line that
// starts with "<!-- bench:start" and the line "<!-- bench:end -->". Nothing else is touched.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const README = fileURLToPath(new URL('../../README.md', import.meta.url));

export async function replaceReadmeSection(content, path = README) {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('<!-- bench:start'));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('<!-- bench:end'));
  if (start < 0 || end < 0) throw new Error(`${path}: bench:start / bench:end markers not found`);
  const updated = [...lines.slice(0, start + 1), content.trimEnd(), ...lines.slice(end)];
  await writeFile(path, updated.join('\n'));
}
