// Vectra's `ItemSelector` (the static helpers its LocalIndex filters and scores with), answered by
// Quiver, so that Vectra's own ItemSelector.spec.js tests Quiver's behaviour.
//
// Quiver has no ItemSelector: its filter and its scoring run in the core, reached through
// LocalIndex. So every helper is mapped to the LocalIndex call through which a user meets the
// same rule, on the build under test (the CommonJS entry in QUIVER_VECTRA_ENTRY):
//   select(metadata, filter)           an item with `metadata` is listed by
//                                      listItemsByMetadata(filter) (and queryItems(v, 1, filter)
//                                      must agree: the filter also runs inside the graph search)
//   normalize(vector)                  the `norm` of the item stored with `vector` (l2 index)
//   cosineSimilarity(a, b)             queryItems(a) score of the item stored with vector b
//   normalizedCosineSimilarity(...)    the same, when the norms given are the vectors' norms;
//                                      other norms cannot be handed to Quiver (it throws)
//
// The spec calls these synchronously, while LocalIndex is asynchronous: the calls run in a
// worker thread, and this thread blocks on Atomics.wait until the worker has answered. Quiver's
// errors are re-thrown here with their code.
'use strict';

const { MessageChannel, Worker, receiveMessageOnPort } = require('node:worker_threads');
const { join } = require('node:path');

const entry = process.env.QUIVER_VECTRA_ENTRY;
if (!entry) throw new Error('QUIVER_VECTRA_ENTRY must name the Quiver CommonJS entry under test');

let worker = null;
let port = null;
const signal = new Int32Array(new SharedArrayBuffer(4));

function call(op, ...args) {
  if (worker === null) {
    const channel = new MessageChannel();
    port = channel.port1;
    worker = new Worker(join(__dirname, 'item-selector-worker.cjs'), {
      workerData: { entry, signal, port: channel.port2 },
      transferList: [channel.port2],
    });
    worker.unref();
  }
  Atomics.store(signal, 0, 0);
  worker.postMessage({ op, args });
  // Bounded wait so that a dead worker fails the test instead of hanging the run.
  if (Atomics.wait(signal, 0, 0, 60_000) === 'timed-out') throw new Error(`ItemSelector.${op}: no answer from Quiver in 60 s`);
  const reply = receiveMessageOnPort(port).message;
  if (reply.error) {
    const err = new Error(reply.error.message);
    err.code = reply.error.code;
    throw err;
  }
  return reply.value;
}

class ItemSelector {
  static select(metadata, filter) {
    return call('select', metadata, filter);
  }

  static normalize(vector) {
    return call('normalize', vector);
  }

  static cosineSimilarity(vector1, vector2) {
    return call('cosineSimilarity', vector1, vector2);
  }

  static normalizedCosineSimilarity(vector1, norm1, vector2, norm2) {
    return call('normalizedCosineSimilarity', vector1, norm1, vector2, norm2);
  }
}

module.exports = { ItemSelector };
