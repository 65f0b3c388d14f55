// Bytes on disk of an index folder: the sum of its files' sizes, recursively.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function folderBytes(folder) {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    total += entry.isDirectory() ? await folderBytes(path) : (await stat(path)).size;
  }
  return total;
}

/** The files of a folder with their sizes, for the JSON (what each engine actually wrote). */
export async function folderListing(folder, prefix = '') {
  const files = {};
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory())
      Object.assign(files, await folderListing(path, `${prefix}${entry.name}/`));
    else files[`${prefix}${entry.name}`] = (await stat(path)).size;
  }
  return files;
}
