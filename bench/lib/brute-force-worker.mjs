// Worker entry for the parallel brute force: computes one slice of the queries.
import { parentPort, workerData } from 'node:worker_threads';
import { exactTopK } from './brute-force.mjs';

const result = exactTopK(workerData);
parentPort.postMessage(result, [result.ids.buffer, result.distances.buffer]);
