// `npm run bench`: the benchmark suite's entry point. For now it runs the first benchmark only.
// Flags: --quick (sift5k + 10,000 generated vectors), --n=<count> (generated vector count).
import { cli } from './first.mjs';

await cli(process.argv.slice(2));
