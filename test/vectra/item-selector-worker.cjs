// The worker behind test/vectra/item-selector.cjs: answers each ItemSelector call with Quiver's
// LocalIndex (in-memory indexes, mem://), one call at a time, then wakes the waiting thread.
'use strict';

const { parentPort, workerData } = require('node:worker_threads');

const { LocalIndex } = require(workerData.entry);
const { signal, port } = workerData;

let created = 0;
async function freshIndex(config) {
  const index = new LocalIndex(`mem://vectra-item-selector-${process.pid}-${created++}`);
  await index.createIndex({ version: 1, ...config });
  return index;
}

// One index for all select() calls: the probe item is replaced by each call's metadata.
let selectIndex = null;

async function select(metadata, filter) {
  selectIndex ??= await freshIndex({ dimensions: 2 });
  await selectIndex.upsertItem({ id: 'probe', vector: [1, 0], metadata });
  const listed = (await selectIndex.listItemsByMetadata(filter)).length === 1;
  const searched = (await selectIndex.queryItems([1, 0], 1, filter)).length === 1;
  if (listed !== searched) {
    throw new Error(`listItemsByMetadata says ${listed} but queryItems says ${searched} for ${JSON.stringify(filter)}`);
  }
  return listed;
}

// The norm Quiver reports for a stored item (l2: a zero vector is a valid item there).
async function normalize(vector) {
  const index = await freshIndex({ metric: 'l2' });
  try {
    await index.insertItem({ id: 'v', vector });
    return (await index.getItem('v')).norm;
  } finally {
    await index.close();
  }
}

async function cosineSimilarity(vector1, vector2) {
  const index = await freshIndex({ metric: 'cosine' });
  try {
    await index.insertItem({ id: 'v2', vector: vector2 });
    const [hit] = await index.queryItems(vector1, 1);
    return hit.score;
  } finally {
    await index.close();
  }
}

const norm = (v) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));

async function normalizedCosineSimilarity(vector1, norm1, vector2, norm2) {
  if (norm1 !== norm(vector1) || norm2 !== norm(vector2)) {
    throw new Error(
      'normalizedCosineSimilarity with norms other than the vectors\' own has no Quiver ' +
        'counterpart: Quiver computes the norms of stored and query vectors itself',
    );
  }
  return cosineSimilarity(vector1, vector2);
}

const ops = { select, normalize, cosineSimilarity, normalizedCosineSimilarity };

parentPort.on('message', async ({ op, args }) => {
  let reply;
  try {
    reply = { value: await ops[op](...args) };
  } catch (err) {
    reply = { error: { message: String(err?.message ?? err), code: err?.code } };
  }
  port.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
