// Imported by the Node entry points only ("quiverdb", "quiverdb/wasm"): gpt-tokenizer is loaded
// synchronously on first use, so that GPT3Tokenizer and TextSplitter work from the first call, as
// in Vectra, while an application that never chunks text does not pay for loading it (about
// 0.1–0.3 s of every process's start, measured, most of `import 'quiverdb'`). The browser entry
// leaves it to a dynamic import on first use (see tokenizer.ts).

import { requireGptTokenizer } from './require-gpt-tokenizer.cjs';
import { provideGptTokenizerLoader } from './tokenizer.js';

provideGptTokenizerLoader(requireGptTokenizer);
