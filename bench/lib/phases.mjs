// The two phases an engine runs per dataset and repeat, each in its own child process so that
// memory figures start from a clean process:
//   build: insert every base vector, persist, close; RSS added by the build, bytes on disk.
//   serve: a fresh process reopens the index and answers a first query (the reopen time, and
//          the RSS the opened index adds), then runs the efSearch sweep, the same queries with
//          8 in flight around the recall target, and lookups by id.
// Engines that cannot persist (open: null) run the sweep at the end of the build phase.
import { loadStoredDataset } from './dataset-store.mjs';
import { folderBytes, folderListing } from './disk.mjs';
import { engineById } from './engines/index.mjs';
import { inFlightPoints, measureInFlight } from './in-flight.mjs';
import { measureLookups } from './lookups.mjs';
import { checkResult, measureSearch, warmUp } from './measure.mjs';
import { settledRssMiB } from './memory.mjs';

const seconds = (since) => (performance.now() - since) / 1000;
const WARM_UP_EF = 64;
const MIN_TIMED_QUERIES = 1000; // per efSearch; sift5k's 100 queries run 10 rounds
const BRUTE_WARM_UP_QUERIES = 20; // a linear scan has nothing to warm beyond the first few

async function loadEngine(task) {
  const engine = engineById(task.engineId);
  const started = performance.now();
  const api = await engine.load();
  return { engine, api, importMs: seconds(started) * 1000 };
}

// Small query sets are repeated up to MIN_TIMED_QUERIES; a set cut short on purpose (a linear
// scan on large data, or --quick) is not, or the cut would be undone.
function roundsFor(queries, dataset) {
  if (queries.length < dataset.queryCount) return 1;
  return Math.max(1, Math.ceil(MIN_TIMED_QUERIES / queries.length));
}

async function sweep(engine, searcher, queries, dataset, { k, efSearch }) {
  const { truth } = dataset;
  const rounds = roundsFor(queries, dataset);
  const points = [];
  if (engine.kind === 'brute') {
    await warmUp(searcher, queries.slice(0, BRUTE_WARM_UP_QUERIES), k);
    points.push(await measureSearch(searcher, queries, truth, { k, efSearch: null, rounds }));
    return points;
  }
  await searcher.setEf(WARM_UP_EF);
  await warmUp(searcher, queries, k);
  for (const ef of efSearch) {
    await searcher.setEf(ef); // untimed: for USearch this reloads the index with the new ef
    points.push(await measureSearch(searcher, queries, truth, { k, efSearch: ef, rounds }));
  }
  return points;
}

/**
 * After the sweep: the in-flight runs at the efSearch points around the recall target (HNSW
 * engines; a linear scan's cost does not depend on how calls are issued), then lookups by id.
 */
async function concurrentAndLookups(engine, searcher, queries, dataset, settings, points) {
  const { truth } = dataset;
  const started = performance.now();
  const inFlight = [];
  if (engine.kind !== 'brute') {
    const rounds = roundsFor(queries, dataset);
    const neighbours = settings.extras.inFlightNeighbours;
    for (const ef of inFlightPoints(points, settings.recallTarget, { neighbours })) {
      await searcher.setEf(ef);
      inFlight.push(
        await measureInFlight(searcher, engine.concurrency.mode, queries, truth, {
          k: settings.k,
          efSearch: ef,
          rounds,
        }),
      );
    }
  }
  const lookups = await measureLookups(searcher, dataset.count, engine.concurrency.mode, {
    calls: settings.extras.lookupCalls,
    seconds: settings.extras.lookupSeconds,
  });
  const problems = [];
  for (const p of inFlight) {
    const single = points.find((s) => s.efSearch === p.efSearch);
    if (single && p.recall < single.recall - 0.01) {
      problems.push(
        `8 in flight at ef ${p.efSearch}: recall ${p.recall.toFixed(3)}, one at a time ${single.recall.toFixed(3)}`,
      );
    }
  }
  for (const m of lookups ? ['sequential', 'inFlight'] : []) {
    if (lookups[m].wrong)
      problems.push(`getItem (${m}): ${lookups[m].wrong} calls returned another item`);
  }
  // Kept in the JSON: what these extra measurements add to a run's duration.
  return { inFlight, lookups, problems, extraSeconds: seconds(started) };
}

export async function buildPhase(task, report) {
  const { engine, api, importMs } = await loadEngine(task);
  const inProcess = !engine.open;
  const dataset = await loadStoredDataset(task.dataset, {
    base: true,
    queries: inProcess,
    truth: inProcess,
  });
  const items = engine.prepareItems(api, dataset);
  const baseline = settledRssMiB();
  const writer = await engine.create(api, task.settings);

  let started = performance.now();
  await writer.insert(items, (done, total) => report({ type: 'progress', done, total }));
  const insertSeconds = seconds(started);
  started = performance.now();
  await writer.persist();
  const persistSeconds = seconds(started);
  const buildRssMiB = settledRssMiB() - baseline;

  let search = null;
  let extra = { inFlight: [], lookups: null, problems: [] };
  let problems = [];
  if (inProcess) {
    const searcher = writer.searcher();
    const queries = engine.prepareQueries(api, dataset, task.settings.queryLimit);
    problems = checkResult(
      await searcher.search(queries[0], task.settings.k),
      task.settings.k,
      dataset.count,
    );
    search = await sweep(engine, searcher, queries, dataset, task.settings);
    extra = await concurrentAndLookups(engine, searcher, queries, dataset, task.settings, search);
  }
  started = performance.now();
  await writer.close();
  const closeSeconds = seconds(started);
  const stored = !inProcess;
  return {
    importMs,
    insertSeconds,
    persistSeconds,
    closeSeconds,
    buildRssMiB,
    diskBytes: stored ? await folderBytes(task.settings.folder) : null,
    files: stored ? await folderListing(task.settings.folder) : null,
    search,
    inFlight: extra.inFlight,
    lookups: extra.lookups,
    extraSeconds: extra.extraSeconds ?? 0,
    problems: [...problems, ...extra.problems],
  };
}

export async function servePhase(task) {
  const { engine, api, importMs } = await loadEngine(task);
  const dataset = await loadStoredDataset(task.dataset, {
    base: false,
    queries: true,
    truth: true,
  });
  const { k, queryLimit } = task.settings;
  const queries = engine.prepareQueries(api, dataset, queryLimit);
  const baseline = settledRssMiB();

  const started = performance.now();
  const searcher = await engine.open(api, task.settings);
  const first = await searcher.search(queries[0], k);
  const openMs = seconds(started) * 1000;

  // Measured before the sweep: USearch's sweep loads one index per ef, and the ones it drops
  // are freed only when the garbage collector finalises them.
  const openRssMiB = settledRssMiB() - baseline;
  const problems = checkResult(first, k, dataset.count);
  const search = await sweep(engine, searcher, queries, dataset, task.settings);
  const extra = await concurrentAndLookups(
    engine,
    searcher,
    queries,
    dataset,
    task.settings,
    search,
  );
  const openReport = (await searcher.openReport?.()) ?? null;
  if (openReport && /rebuil/i.test(openReport)) {
    problems.push(`the reopen rebuilt the graph instead of loading its file: ${openReport}`);
  }
  await searcher.close();
  return {
    importMs,
    openMs,
    openRssMiB,
    openReport,
    search,
    inFlight: extra.inFlight,
    lookups: extra.lookups,
    extraSeconds: extra.extraSeconds,
    problems: [...problems, ...extra.problems],
  };
}
