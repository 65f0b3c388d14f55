#!/usr/bin/env node
// Builds the core as WebAssembly with Emscripten, from the same sources and pinned SQLite as the
// Node addon. Objects are compiled once into build/wasm/obj (rebuilt only when a source or a flag
// changed) and linked twice:
//   dist/wasm/quiver.mjs + quiver.wasm            browsers and workers (ES module, IDBFS)
//   dist/wasm/quiver-node.cjs + quiver-node.wasm  Node (CommonJS, real files via NODERAWFS)
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'wasm');
const dist = join(root, 'dist', 'wasm');
// Debian's emcc runs its JS tools with the system Node; they need Debian's node modules.
const env = { ...process.env, NODE_PATH: ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(':') };

await run(process.execPath, [join(root, 'scripts', 'fetch-deps.mjs')], { cwd: root });

// emcc must never see /usr/include (glibc headers would leak into the build): its include
// folders hold only the fetched, pinned header-only libraries (hnswlib, nlohmann/json).
const include = join(root, 'third_party', 'nlohmann');

// -ffp-contract=off: as in CMakeLists.txt (simd128 has no FMA today; relaxed SIMD would).
const common = ['-O2', '-fwasm-exceptions', '-msimd128', '-ffp-contract=off'];
const cxxFlags = [...common, '-std=c++17', '-DNO_MANUAL_VECTORIZATION', '-DNDEBUG',
  `-I${join(root, 'native/core/include')}`, `-I${join(root, 'native/core/src')}`,
  `-I${join(root, 'third_party/hnswlib')}`, `-I${join(root, 'third_party/sqlite')}`, `-I${include}`];
const cFlags = [...common, '-DNDEBUG', '-DSQLITE_THREADSAFE=0', '-DSQLITE_DQS=0',
  '-DSQLITE_DEFAULT_MEMSTATUS=0', '-DSQLITE_OMIT_LOAD_EXTENSION', '-DSQLITE_OMIT_DEPRECATED',
  '-DSQLITE_LIKE_DOESNT_MATCH_BLOBS', '-DSQLITE_ENABLE_FTS5', '-w'];

const sources = [
  ...walk(join(root, 'native/core/src')).filter((f) => f.endsWith('.cpp')),
  join(root, 'wasm/binding.cpp'),
  join(root, 'third_party/sqlite/sqlite3.c'),
];

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

// An object is stale when its source, any project header, or its flags changed.
const headers = [...walk(join(root, 'native/core')), ...walk(join(root, 'third_party'))]
  .filter((f) => /\.(h|hpp)$/.test(f));
const newestHeader = Math.max(...headers.map((f) => statSync(f).mtimeMs));

async function compile(src) {
  const isC = src.endsWith('.c');
  const flags = isC ? cFlags : cxxFlags;
  const obj = join(out, 'obj', relative(root, src).replace(/[/\\]/g, '_') + '.o');
  const stamp = obj + '.flags';
  const flagHash = createHash('sha256').update(flags.join(' ')).digest('hex');
  const fresh =
    existsSync(obj) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === flagHash &&
    statSync(obj).mtimeMs > statSync(src).mtimeMs &&
    (isC || statSync(obj).mtimeMs > newestHeader);
  if (fresh) return obj;
  mkdirSync(dirname(obj), { recursive: true });
  console.log(`em++ ${relative(root, src)}`);
  await run(isC ? 'emcc' : 'em++', [...flags, '-c', src, '-o', obj], { env, maxBuffer: 1 << 26 });
  writeFileSync(stamp, flagHash);
  return obj;
}

// Compile with as many parallel jobs as cores; SQLite (the longest) goes first.
const queue = [...sources].sort((a, b) => (b.endsWith('.c') ? 1 : 0) - (a.endsWith('.c') ? 1 : 0));
const objects = [];
await Promise.all(
  Array.from({ length: availableParallelism() }, async () => {
    for (let src; (src = queue.shift()); ) objects.push(await compile(src));
  }),
);

const linkCommon = [...common, '--bind', '-sMODULARIZE=1', '-sEXPORT_NAME=createQuiverModule',
  '-sALLOW_MEMORY_GROWTH=1', '-sMAXIMUM_MEMORY=4GB', '-sFORCE_FILESYSTEM=1',
  '-sEXPORTED_RUNTIME_METHODS=FS'];
const targets = [
  { file: 'quiver.mjs', flags: ['-sEXPORT_ES6=1', '-sENVIRONMENT=web,worker', '-lidbfs.js'] },
  // emcc only knows .js/.mjs outputs; the Node build is renamed to .cjs below because the
  // package is "type": "module".
  { file: 'quiver-node.js', rename: 'quiver-node.cjs',
    // A library must not install process-wide uncaughtException/unhandledRejection handlers.
    flags: ['-sENVIRONMENT=node', '-sNODERAWFS=1', '-sNODEJS_CATCH_EXIT=0', '-sNODEJS_CATCH_REJECTION=0'] },
];
mkdirSync(dist, { recursive: true });
// A link is skipped when its outputs are newer than every object and were linked with the same
// flags and objects (a stamp in build/wasm): packing right after `npm test` then costs nothing.
objects.sort(); // completion order varies between runs; the link (and its stamp) must not
const newestObject = Math.max(...objects.map((o) => statSync(o).mtimeMs));
for (const t of targets) {
  const args = [...linkCommon, ...t.flags, ...objects];
  const outputs = [join(dist, t.rename ?? t.file), join(dist, t.file.replace(/\.m?js$/, '.wasm'))];
  const stamp = join(out, `${t.file}.link`);
  const argHash = createHash('sha256').update(args.join(' ')).digest('hex');
  const fresh =
    outputs.every((f) => existsSync(f) && statSync(f).mtimeMs > newestObject) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === argHash;
  if (fresh) {
    console.log(`dist/wasm/${t.rename ?? t.file} is up to date`);
    continue;
  }
  console.log(`link dist/wasm/${t.file}`);
  await run('em++', [...args, '-o', join(dist, t.file)], {
    env,
    maxBuffer: 1 << 26,
  });
  if (t.rename) renameSync(join(dist, t.file), join(dist, t.rename));
  writeFileSync(stamp, argHash);
}
for (const f of readdirSync(dist)) console.log(`  ${f}: ${statSync(join(dist, f)).size} bytes`);
