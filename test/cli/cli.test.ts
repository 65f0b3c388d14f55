// The `quiver` command, run as users run it: the built binary (dist/esm/cli/main.js) in a child
// process with stdout/stderr piped (so not a TTY: the progress bar must still finish and a summary
// must follow). Checks output, exit codes and the one-line error format.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'esm', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'quiver-cli-'));
const DIMS = 32;
const COUNT = 100_000;

type Run = { status: number | null; stdout: string; stderr: string };

/** Runs `quiver ...args` to completion without blocking the event loop. */
function quiver(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: work });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The vector of item i: deterministic, so queries can aim at a known item. */
function vectorOf(i: number): number[] {
  // mulberry32 seeded by the item number (32-bit integer arithmetic: no float precision loss).
  let s = (i + 1) >>> 0;
  return Array.from({ length: DIMS }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Number(((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1).toFixed(6));
  });
}

const jsonl = join(work, 'items.jsonl');
const index = join(work, 'idx');

beforeAll(async () => {
  const out = createWriteStream(jsonl);
  for (let i = 0; i < COUNT; i++) {
    const line = JSON.stringify({
      id: `doc-${i}`,
      vector: vectorOf(i),
      metadata: { group: i % 10, even: i % 2 === 0, tag: `t${i % 5}` },
    });
    if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('quiver CLI', () => {
  it('creates an index', async () => {
    const r = await quiver('create', index, '--dims', String(DIMS), '--metric', 'cosine', '--m', '12', '--ef-construction', '100');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`created ${index}: metric cosine, ${DIMS} dimensions`);
  });

  it('imports 100,000 JSONL items with progress and a summary', async () => {
    const r = await quiver('import', index, jsonl);
    expect(r.status, r.stderr).toBe(0);
    // Not a TTY: the bar is printed as lines (start, every second, end), never left unfinished.
    expect(r.stderr).toMatch(/importing \[.*\] 0% \| 0\/100000 items/);
    expect(r.stderr).toMatch(/importing \[.*\] 100% \| 100000\/100000 items \| [\d,]+ items\/s \| ETA/);
    expect(r.stdout).toMatch(/^imported 100,000 items into .* in [\d.]+ s \([\d,]+ items\/s\); the index holds 100,000 items\n$/);
  }, 600_000);

  it('answers queries, as text and as JSON, with top-k and filters', async () => {
    const target = vectorOf(4242);
    const text = await quiver('query', index, '--vector', JSON.stringify(target), '-k', '3');
    expect(text.status, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    // (The core returns metadata keys in sorted order.)
    expect(lines[0]).toMatch(/^ +1 {2}1\.0{6} {2}doc-4242 {2}\{"even":true,"group":2,"tag":"t2"\}$/);

    const json = await quiver('query', index, '--vector', JSON.stringify(target), '--top-k', '7', '--json', '--filter', '{"group": {"$in": [3, 4]}, "even": false}');
    expect(json.status, json.stderr).toBe(0);
    const hits = JSON.parse(json.stdout) as { id: string; score: number; metadata: { group: number; even: boolean } }[];
    expect(hits).toHaveLength(7);
    for (const h of hits) {
      expect([3, 4]).toContain(h.metadata.group);
      expect(h.metadata.even).toBe(false);
    }
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));

    const file = join(work, 'q.json');
    writeFileSync(file, JSON.stringify({ vector: vectorOf(7) }));
    const fromFile = await quiver('query', index, '--vector', file, '-k', '1', '--json');
    expect((JSON.parse(fromFile.stdout) as { id: string }[])[0]!.id).toBe('doc-7');
  });

  it('prints stats and verifies', async () => {
    const stats = await quiver('stats', index, '--json');
    expect(stats.status).toBe(0);
    const s = JSON.parse(stats.stdout) as { items: number; dimensions: number; metric: string; hnsw: { M: number }; bytesOnDisk: number };
    expect(s).toMatchObject({ items: COUNT, dimensions: DIMS, metric: 'cosine', hnsw: { M: 12 } });
    expect(s.bytesOnDisk).toBeGreaterThan(COUNT * DIMS * 4);
    const text = await quiver('stats', index);
    expect(text.stdout).toMatch(/^items +100,000$/m);

    const verify = await quiver('verify', index);
    expect(verify.status).toBe(0);
    expect(verify.stdout.trim()).toBe('ok: the HNSW graph matches the database (100,000 items)');
  });

  it('round-trips through export --format jsonl and import', async () => {
    const small = join(work, 'small');
    expect((await quiver('create', small)).status).toBe(0);
    const part = join(work, 'part.jsonl');
    writeFileSync(part, readFileSync(jsonl, 'utf8').split('\n').slice(0, 500).join('\n'));
    expect((await quiver('import', small, part, '--no-progress')).status).toBe(0);
    const exported = join(work, 'export', 'small.jsonl');
    const r = await quiver('export', small, exported, '--format', 'jsonl', '--no-progress');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^exported 500 items to .*small\.jsonl \(jsonl\)/);
    const copy = join(work, 'copy');
    const back = await quiver('import', copy, exported, '--create', '--json', '--no-progress');
    expect(back.status, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ imported: 500, items: 500 });
    const a = await quiver('query', small, '--vector', JSON.stringify(vectorOf(99)), '--json', '--with-vectors');
    const b = await quiver('query', copy, '--vector', JSON.stringify(vectorOf(99)), '--json', '--with-vectors');
    expect(JSON.parse(b.stdout)).toEqual(JSON.parse(a.stdout));
    // Refuses to overwrite without --overwrite.
    const again = await quiver('export', small, exported, '--format', 'jsonl');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^quiver: ALREADY_EXISTS: .* pass overwrite \(--overwrite\)/);
  });

  it('imports .fvecs files and Vectra index folders', async () => {
    const fvecs = join(work, 'v.fvecs');
    const record = Buffer.alloc(4 + 4 * 4);
    const parts: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      record.writeInt32LE(4, 0);
      for (let d = 0; d < 4; d++) record.writeFloatLE(i === d ? 1 : 0.01 * (i + d), 4 + 4 * d);
      parts.push(Buffer.from(record));
    }
    writeFileSync(fvecs, Buffer.concat(parts));
    const fidx = join(work, 'fidx');
    const r = await quiver('import', fidx, fvecs, '--format', 'fvecs', '--create', '--metric', 'l2', '--id-prefix', 'v', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ imported: 50, items: 50 });
    const q = await quiver('query', fidx, '--vector', '[0, 0, 1, 0]', '-k', '1', '--json');
    expect((JSON.parse(q.stdout) as { id: string }[])[0]!.id).toBe('v2');

    // A folder in Vectra's on-disk format: index.json, and one item whose index.json entry holds
    // only the indexed fields, its whole metadata in its own file (as Vectra writes them).
    const vectra = join(work, 'vectra');
    mkdirSync(vectra);
    writeFileSync(join(vectra, 'meta-b.json'), JSON.stringify({ kind: 'y', body: 'long text' }));
    writeFileSync(
      join(vectra, 'index.json'),
      JSON.stringify({
        version: 1,
        metadata_config: { indexed: ['kind'] },
        items: [
          { id: 'a', metadata: { kind: 'x' }, vector: [1, 0, 0], norm: 1 },
          { id: 'b', metadata: { kind: 'y' }, vector: [0, 1, 0], norm: 1, metadataFile: 'meta-b.json' },
        ],
      }),
    );
    const vidx = join(work, 'vidx');
    const v = await quiver('import', vidx, vectra, '--format', 'vectra', '--create', '--no-progress');
    expect(v.status, v.stderr).toBe(0);
    const hit = await quiver('query', vidx, '--vector', '[0, 1, 0]', '-k', '1', '--json');
    expect(JSON.parse(hit.stdout)).toEqual([{ id: 'b', score: 1, distance: 0, metadata: { kind: 'y', body: 'long text' } }]);
    expect(v.stdout).toMatch(/^imported 2 items into .*vidx in [\d.]+ s \([\d,]+ items\/s\); the index holds 2 items\n$/);

    // --format vectra is importVectraIndex: a new index with the Vectra index's settings.
    const again = await quiver('import', vidx, vectra, '--format', 'vectra', '--create');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^quiver: ALREADY_EXISTS: .*vidx already holds an index/);
    const flags = await quiver('import', join(work, 'vflags'), vectra, '--format', 'vectra', '--create', '--metric', 'l2', '--m', '8');
    expect(flags.status).toBe(2);
    expect(flags.stderr).toMatch(/^quiver: usage error: --metric, --m: not with --format vectra/);
    expect((await quiver('import', join(work, 'vnone'), vectra, '--format', 'vectra')).stderr).toMatch(
      /^quiver: NOT_FOUND: no index in .*vnone: create it/,
    );

    // One transaction: an item the core rejects leaves no index behind, so the same command
    // runs again once the source is fixed.
    const items = [
      { id: 'a', metadata: {}, vector: [1, 0, 0], norm: 1 },
      { id: 'short', metadata: {}, vector: [1, 0], norm: 1 },
    ];
    writeFileSync(join(vectra, 'index.json'), JSON.stringify({ version: 1, items }));
    const vbad = join(work, 'vbad');
    const bad = await quiver('import', vbad, vectra, '--format', 'vectra', '--create', '--batch-size', '1', '--no-progress');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^quiver: DIMENSION_MISMATCH: /);
    expect(bad.stdout).toMatch(/^imported 0 items into /);
    expect((await quiver('stats', vbad)).stderr).toMatch(/^quiver: NOT_FOUND: /);
    writeFileSync(join(vectra, 'index.json'), JSON.stringify({ version: 1, items: items.slice(0, 1) }));
    const fixed = await quiver('import', vbad, vectra, '--format', 'vectra', '--create', '--json');
    expect(fixed.status, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(/importing \[.*\] 100% \| 1\/1 items/);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ imported: 1, items: 1 });
  });

  it('reports errors as one line with their code and a documented exit code', async () => {
    const cases: { args: string[]; status: number; line: RegExp }[] = [
      { args: ['query', index, '--vector', '[1, 2]'], status: 1, line: /^quiver: DIMENSION_MISMATCH: / },
      { args: ['query', join(work, 'none'), '--vector', '[1]'], status: 1, line: /^quiver: NOT_FOUND: / },
      { args: ['import', join(work, 'none'), jsonl], status: 1, line: /^quiver: NOT_FOUND: no index in .*: create it with `quiver create/ },
      { args: ['query', index, '--vector', '[1, 2'], status: 2, line: /^quiver: usage error: --vector: not valid JSON/ },
      { args: ['query', index, '--vector', JSON.stringify(vectorOf(1)), '--filter', '{"a":'], status: 2, line: /^quiver: usage error: --filter: not valid JSON/ },
      { args: ['query', index], status: 2, line: /^quiver: usage error: required option '--vector <json\|file>' not specified/ },
      { args: ['query', index, '--vector', '[1]', '--top-k', 'ten'], status: 2, line: /^quiver: usage error: option '-k, --top-k <n>' argument 'ten' is invalid/ },
      { args: ['import', index, jsonl, '--format', 'csv'], status: 2, line: /^quiver: usage error: option '--format <format>' argument 'csv' is invalid/ },
      { args: ['frobnicate'], status: 2, line: /^quiver: usage error: unknown command 'frobnicate'/ },
      { args: ['stats'], status: 2, line: /^quiver: usage error: missing required argument 'folder'/ },
    ];
    for (const c of cases) {
      const r = await quiver(...c.args);
      expect(r.status, c.args.join(' ')).toBe(c.status);
      const lines = r.stderr.trim().split('\n');
      expect(lines, c.args.join(' ')).toHaveLength(1);
      expect(lines[0], c.args.join(' ')).toMatch(c.line);
    }

    const bad = join(work, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify({ id: 'ok', vector: vectorOf(1) })}\n{"id": "x", "vector": [1, 2,\n`);
    const r = await quiver('import', index, bad, '--no-progress');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^quiver: INVALID_ARGUMENT: .*bad\.jsonl:2: not valid JSON/);
  });

  it('has --help on every command', () => {
    for (const cmd of ['create', 'import', 'query', 'stats', 'verify', 'export']) {
      const r = spawnSync(process.execPath, [cli, cmd, '--help'], { encoding: 'utf8' });
      expect(r.status, cmd).toBe(0);
      expect(r.stdout, cmd).toContain(`Usage: quiver ${cmd} [options] <folder>`);
    }
    const top = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(top.stdout).toContain('Exit codes:');
  });
});
