// Search-as-you-type over a local vector index in the browser. `LocalIndex` from
// "quiverdb/browser" runs the core in a worker (the page never freezes, even while indexing)
// and keeps the index in IndexedDB, so a reload opens it instead of rebuilding it.

import { LocalIndex, QuiverError, type QueryResult } from 'quiverdb/browser';

import { CATEGORIES, type Recipe, generateRecipes } from './data';
import { DIMENSIONS, embed } from './embed';

const ITEM_COUNT = 5000;
const TOP_K = 10;
// "Everything this similar" mode: results streamed in batches until the score drops below this.
const MIN_SCORE = 0.5;
const STREAM_BATCH = 50;

const INDEX_NAME = 'recipes';
let index = new LocalIndex<Recipe>(INDEX_NAME);

const input = document.querySelector<HTMLInputElement>('#query')!;
const category = document.querySelector<HTMLSelectElement>('#category')!;
const scope = document.querySelector<HTMLSelectElement>('#scope')!;
const rebuild = document.querySelector<HTMLButtonElement>('#rebuild')!;
const statusLine = document.querySelector<HTMLParagraphElement>('#status')!;
const results = document.querySelector<HTMLOListElement>('#results')!;

function setStatus(text: string): void {
  statusLine.textContent = text;
}

function setEnabled(enabled: boolean): void {
  for (const control of [input, category, scope, rebuild]) control.disabled = !enabled;
}

/** Opens the persisted index, or builds it (first visit, or after "Rebuild index"). */
async function prepare(force: boolean): Promise<void> {
  const started = performance.now();
  if (!force && (await index.isIndexCreated())) {
    const { items } = await index.getIndexStats();
    if (items === ITEM_COUNT) {
      setStatus(`Opened ${items.toLocaleString()} recipes from IndexedDB in ${elapsed(started)}.`);
      return;
    }
  }
  await index.createIndex({
    version: 1,
    dimensions: DIMENSIONS,
    metric: 'cosine',
    deleteIfExists: true,
    metadata_config: { indexed: ['category'] },
  });
  const recipes = generateRecipes(ITEM_COUNT);
  const items = recipes.map((recipe, i) => ({
    id: `recipe-${i}`,
    // Every generated title has words, so embed() always returns a vector here.
    vector: embed(`${recipe.title} ${recipe.cuisine}`)!,
    metadata: recipe,
  }));
  await index.insertItems(items, {
    onProgress: (done, total) =>
      setStatus(`Indexing… ${done.toLocaleString()} / ${total.toLocaleString()}`),
  });
  // close() saves the HNSW graph next to the data. Without it the data is just as safe, but the
  // next visit would rebuild the graph from the stored vectors instead of loading it.
  await index.close();
  index = new LocalIndex<Recipe>(INDEX_NAME);
  setStatus(
    `Indexed ${ITEM_COUNT.toLocaleString()} recipes in ${elapsed(started)} (saved in IndexedDB).`,
  );
}

function elapsed(since: number): string {
  const ms = performance.now() - since;
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

let latest = 0;

async function search(): Promise<void> {
  const ticket = ++latest;
  const vector = embed(input.value);
  if (!vector) {
    results.replaceChildren();
    setStatus('Type a few words to search.');
    return;
  }
  const filter = category.value ? { category: category.value } : undefined;
  if (scope.value === 'similar') {
    await streamSimilar(ticket, vector, filter);
    return;
  }
  const started = performance.now();
  const hits = await index.queryItems(vector, TOP_K, filter);
  const took = performance.now() - started;
  if (ticket !== latest) return; // a later keystroke's results are on their way
  render(hits);
  setStatus(
    `${hits.length} results${inCategory()} in ${took.toFixed(1)} ms (query round trip to the worker).`,
  );
}

/**
 * Every recipe with a score of at least MIN_SCORE, however many: one search that continues in
 * the worker (queryStream), read in batches, best first, each batch shown as it arrives. The
 * loop stops at the first score below the bar, or when a later keystroke starts a new search;
 * leaving the loop frees the stream in the worker at once.
 */
async function streamSimilar(
  ticket: number,
  vector: Float32Array,
  filter: { category: string } | undefined,
): Promise<void> {
  const started = performance.now();
  let firstBatchMs = 0;
  const hits: QueryResult<Recipe>[] = [];
  for await (const batch of index.queryStream(vector, { batchSize: STREAM_BATCH, filter })) {
    if (ticket !== latest) return; // superseded: `return` leaves the loop and closes the stream
    if (hits.length === 0) firstBatchMs = performance.now() - started;
    const similar = batch.filter((hit) => hit.score >= MIN_SCORE);
    hits.push(...similar);
    render(hits);
    setStatus(`${hits.length} results${inCategory()} with score ≥ ${MIN_SCORE} so far…`);
    if (similar.length < batch.length) break; // scores only go down from here
  }
  if (ticket !== latest) return;
  setStatus(
    `${hits.length} results${inCategory()} with score ≥ ${MIN_SCORE}, streamed in batches of ` +
      `${STREAM_BATCH}: first batch in ${firstBatchMs.toFixed(1)} ms, all in ${elapsed(started)}.`,
  );
}

function inCategory(): string {
  return category.value ? ` in ${category.value}` : '';
}

function render(hits: QueryResult<Recipe>[]): void {
  results.replaceChildren(
    ...hits.map(({ item, score }) => {
      const li = document.createElement('li');
      const title = document.createElement('span');
      title.className = 'title';
      title.textContent = item.metadata.title;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = `${item.metadata.cuisine} · ${item.metadata.category} · ${item.metadata.minutes} min`;
      const bar = document.createElement('span');
      bar.className = 'score';
      bar.style.setProperty('--score', String(Math.max(0, score)));
      bar.textContent = score.toFixed(3);
      li.append(title, meta, bar);
      return li;
    }),
  );
}

async function run(force: boolean): Promise<void> {
  setEnabled(false);
  try {
    await prepare(force);
    setEnabled(true);
    input.focus();
    if (input.value) await search();
  } catch (err) {
    // Two tabs cannot have the same index open: the second one is told so.
    if (err instanceof QuiverError && err.code === 'BUSY') {
      setStatus('This demo is open in another tab; close it there and reload this one.');
    } else {
      setStatus(`Error: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }
}

for (const name of CATEGORIES) category.add(new Option(name, name));
input.addEventListener('input', () => void search());
category.addEventListener('change', () => void search());
scope.addEventListener('change', () => void search());
rebuild.addEventListener('click', () => void run(true));
void run(false);
