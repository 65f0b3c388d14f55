// A real full disk: a 2 MiB tmpfs mounted for this test (the test runs as root, like the rest of
// the reliability suite; mounting is part of what it checks, so it fails rather than skips when
// that is impossible). On each backend that keeps real folders, batches are written until the
// filesystem is full. The write that hits ENOSPC must reject with IO; every write that resolved
// before it must be there, in this process and after a reopen once space was freed; the failed
// batch must be absent; and the index must keep working.

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { QuiverError } from '../../ts/src/errors.js';
import { backends, createLocalIndex, storesInFolders } from '../ts/backends.js';
import { makeTempDir, randomVector } from '../ts/helpers.js';

const DIMS = 64;
const BATCH = 50;
const METADATA = { text: 'm'.repeat(1000) };

describe.each(backends.filter(storesInFolders))('a full disk on the $name backend', (backend: Backend) => {
  let tmp: ReturnType<typeof makeTempDir>;
  let mountPoint: string;

  beforeAll(() => {
    tmp = makeTempDir('quiver-disk-full-');
    mountPoint = join(tmp.path, 'fs');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
  });
  afterAll(() => {
    try {
      execFileSync('umount', [mountPoint]);
    } finally {
      tmp.cleanup();
    }
  });

  test('the write that finds the disk full rejects with IO; earlier writes survive', async () => {
    const folder = join(mountPoint, 'index');
    const index = createLocalIndex(backend, folder);
    await index.createIndex({ version: 1, dimensions: DIMS });
    // Space to give back once the disk is full, as a user would by deleting something.
    const filler = join(mountPoint, 'filler');
    writeFileSync(filler, Buffer.alloc(384 * 1024));

    const resolved: string[] = [];
    let failure: unknown;
    for (let batch = 0; batch < 200 && failure === undefined; batch++) {
      const items = Array.from({ length: BATCH }, (_, i) => ({
        id: `b${batch}-${i}`,
        vector: randomVector(DIMS, batch * BATCH + i),
        metadata: METADATA,
      }));
      try {
        await index.batchInsertItems(items);
        resolved.push(...items.map((item) => item.id));
      } catch (err) {
        failure = err;
      }
    }
    expect(failure, 'the disk never filled up').toBeInstanceOf(QuiverError);
    expect((failure as QuiverError).code).toBe('IO');
    expect((failure as QuiverError).message).toMatch(/disk space/);
    expect(resolved.length).toBeGreaterThan(0);

    // In this process: exactly the resolved writes, and reads still work.
    expect((await index.listItems()).map((item) => item.id)).toEqual(resolved);
    const hits = await index.queryItems(Array.from(randomVector(DIMS, 0)), 1);
    expect(hits[0].item.id).toBe(resolved[0]);
    await index.close(); // saving the graph file may fail on a full disk; close must not

    rmSync(filler);
    const reopened = createLocalIndex(backend, folder);
    expect((await reopened.listItems()).map((item) => item.id)).toEqual(resolved);
    expect(JSON.parse(await reopened.verify())).toMatchObject({ consistent: true });
    const last = resolved.length - 1;
    const found = await reopened.queryItems(Array.from(randomVector(DIMS, last)), 1);
    expect(found[0].item.id).toBe(resolved[last]);
    // With space back, writing works again.
    await reopened.insertItem({ id: 'after', vector: randomVector(DIMS, 999_999) });
    expect(await reopened.getItem('after')).toBeDefined();
    await reopened.close();
  });
});
