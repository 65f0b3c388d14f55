#!/usr/bin/env node
// The `quiver` command: create, import, query, inspect, verify and export a Quiver index from a
// shell. Argument parsing is commander's; every error ends as ONE line on stderr with its code,
// and the exit code says what kind of failure it was (see errors.ts and the README).

import { readFileSync } from 'node:fs';

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { exportIndex, type ExportFormat } from '../export/index.js';
import {
  createCommand,
  importCommand,
  queryCommand,
  statsCommand,
  verifyCommand,
  type CreateOptions,
} from './commands.js';
import { ExitCode, describeError } from './errors.js';
import { startProgress } from './progress.js';

const version = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name} must be a positive integer.`);
    }
    return n;
  };
}

/** Runs a command's action and turns its result or error into an exit code. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<number>) {
  return async (...args: A): Promise<void> => {
    try {
      process.exitCode = await fn(...args);
    } catch (err) {
      const { line, exitCode } = describeError(err);
      process.stderr.write(`${line}\n`);
      process.exitCode = exitCode;
    }
  };
}

const hnswOptions = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--metric <metric>', 'distance metric').choices(['cosine', 'l2', 'ip']))
    .option('--dims <n>', 'vector length (default: fixed by the first vector)', positiveInt('--dims'))
    .option('--m <n>', 'HNSW links per node (default 16)', positiveInt('--m'))
    .option('--ef-construction <n>', 'HNSW build candidate list size (default 200)', positiveInt('--ef-construction'))
    .option('--ef-search <n>', 'HNSW search candidate list size (default 64)', positiveInt('--ef-search'));

const program = new Command('quiver')
  .description('Create, fill, query and export Quiver vector indexes (an index is a folder).')
  .version(version, '-V, --version')
  .showHelpAfterError(false)
  .exitOverride()
  .configureOutput({
    // commander's own errors (unknown option, missing argument...) as one line, like ours.
    outputError: (text, write) => write(`quiver: usage error: ${text.replace(/^error: /, '').trim()} (see --help)\n`),
  })
  .addHelpText(
    'after',
    `
Exit codes:
  0  success
  1  runtime error: the line on stderr names its code (NOT_FOUND, DIMENSION_MISMATCH, IO, ...)
  2  usage error: unknown command or option, missing or malformed argument
  3  verify: the HNSW graph did not match the database and was rebuilt

Environment:
  QUIVERDB_FORCE_WASM=1  use the WASM build of the core instead of the native addon`,
  );

hnswOptions(
  program
    .command('create')
    .description('create an empty index in <folder>')
    .argument('<folder>', 'index folder (created if missing)')
    .option('--force', 'replace an existing index in the folder'),
).action(action((folder: string, options: CreateOptions) => createCommand(folder, options)));

hnswOptions(
  program
    .command('import')
    .description('add the items of a JSONL file, an .fvecs file or a Vectra index folder to <folder>')
    .argument('<folder>', 'index folder')
    .argument('<source>', 'file or Vectra index folder to read')
    .addOption(
      new Option('--format <format>', 'source format').choices(['jsonl', 'vectra', 'fvecs']).default('jsonl'),
    )
    .option('--create', 'create the index first if the folder has none (with the options below)')
    .option('--batch-size <n>', 'items per transaction', positiveInt('--batch-size'), 2000)
    .option('--id-prefix <prefix>', 'fvecs only: prefix of the generated ids (row numbers)', '')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the summary as JSON'),
).action(action(importCommand));

program
  .command('query')
  .description('print the items nearest to a vector, best first')
  .argument('<folder>', 'index folder')
  .requiredOption('--vector <json|file>', 'the query vector: a JSON array, or a file holding one')
  .option('-k, --top-k <n>', 'number of results', positiveInt('--top-k'), 10)
  .option('--filter <json>', 'metadata filter, e.g. \'{"genre": {"$in": ["jazz", "soul"]}}\'')
  .option('--ef-search <n>', 'HNSW candidate list size for this query', positiveInt('--ef-search'))
  .option('--json', 'print the results as a JSON array')
  .option('--with-vectors', 'with --json: include each item\'s vector')
  .action(action(queryCommand));

program
  .command('stats')
  .description('print the item count, dimensions, metric, HNSW settings and size on disk')
  .argument('<folder>', 'index folder')
  .option('--json', 'print as JSON')
  .action(action(statsCommand));

program
  .command('verify')
  .description('check the HNSW graph against the database; rebuild it if they disagree (exit code 3)')
  .argument('<folder>', 'index folder')
  .option('--json', "print the core's report as JSON")
  .action(action(verifyCommand));

program
  .command('export')
  .description('write every item to a LanceDB dataset, a JSONL file or a Parquet file')
  .argument('<folder>', 'index folder')
  .argument('<dest>', 'lance: a LanceDB database folder; jsonl/parquet: the file to write')
  .addOption(new Option('--format <format>', 'output format').choices(['lance', 'jsonl', 'parquet']).makeOptionMandatory())
  .option('--table <name>', 'lance: table name', 'items')
  .option('--overwrite', 'replace an existing table or file')
  .option('--no-progress', 'no progress bar')
  .action(
    action(
      async (
        folder: string,
        dest: string,
        options: { format: ExportFormat; table: string; overwrite?: boolean; progress: boolean },
      ) => {
        let progress: ReturnType<typeof startProgress> | undefined;
        const result = await exportIndex(folder, dest, {
          format: options.format,
          table: options.table,
          overwrite: options.overwrite === true,
          onProgress: (done, total) => {
            progress ??= startProgress('exporting', total, options.progress);
            progress.update(done);
          },
        });
        const { seconds } = progress?.finish(result.items) ?? { seconds: 0 };
        process.stdout.write(
          `exported ${result.items.toLocaleString('en-US')} items to ${result.path} (${options.format}` +
            `${options.format === 'lance' ? `, table "${options.table}"` : ''}) in ${seconds.toFixed(1)} s\n`,
        );
        return ExitCode.OK;
      },
    ),
  );

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; parse errors were already printed.
    process.exitCode = err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  } else {
    const { line, exitCode } = describeError(err);
    process.stderr.write(`${line}\n`);
    process.exitCode = exitCode;
  }
}
