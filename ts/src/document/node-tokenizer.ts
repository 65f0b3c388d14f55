// Imported by the Node entry points only ("quiverdb", "quiverdb/wasm"): loads gpt-tokenizer up
// front, so that GPT3Tokenizer and TextSplitter work synchronously from the first call, as in
// Vectra. The browser entry leaves it to a dynamic import on first use (see tokenizer.ts).

import { decode, encode } from 'gpt-tokenizer';

import { provideGptTokenizer } from './tokenizer.js';

provideGptTokenizer({ encode, decode });
