// The tokenizer that chunking and section rendering count with. Vectra 0.15's default is
// gpt-tokenizer's default encoding; we use the same package (pinned) so that documents split into
// the same chunks under Quiver as under Vectra.
//
// gpt-tokenizer is loaded on first use (a dynamic import), not by a static import: a page that
// loads "quiverdb/browser" without a bundler then needs no import map for it unless it uses
// LocalDocumentIndex with the default tokenizer, and bundlers split it into its own chunk. The
// Node entries give a synchronous loader instead (node-tokenizer.ts), so there GPT3Tokenizer and
// TextSplitter work synchronously from the start, as in Vectra.

import { QuiverError } from '../errors.js';

/** Vectra's Tokenizer interface: any object with these two methods can be passed in. */
export interface Tokenizer {
  /** The tokens of `text`. */
  encode(text: string): number[];
  /** The text of `tokens`. */
  decode(tokens: number[]): string;
}

let gpt: Tokenizer | undefined;
let loading: Promise<void> | undefined;
let loadNow: (() => Tokenizer) | undefined;

/** Gives a way to load gpt-tokenizer synchronously on first use (the Node entries). */
export function provideGptTokenizerLoader(load: () => Tokenizer): void {
  loadNow = load;
}

function loaded(): Tokenizer {
  if (gpt === undefined && loadNow !== undefined) gpt = loadNow();
  if (gpt === undefined) {
    throw new QuiverError(
      'INVALID_STATE',
      'gpt-tokenizer is not loaded yet: `await GPT3Tokenizer.load()` before using GPT3Tokenizer or ' +
        'TextSplitter directly (LocalDocumentIndex loads it itself), or pass your own tokenizer',
    );
  }
  return gpt;
}

/** gpt-tokenizer's default encoding (what Vectra calls GPT3Tokenizer). */
export class GPT3Tokenizer implements Tokenizer {
  /**
   * Loads gpt-tokenizer (once). Only needed in browsers, before calling `encode`/`decode` or a
   * default-tokenizer `TextSplitter` directly; LocalDocumentIndex awaits it itself.
   */
  static load(): Promise<void> {
    if (gpt !== undefined) return Promise.resolve();
    if (loadNow !== undefined) {
      try {
        gpt = loadNow();
        return Promise.resolve();
      } catch {
        // fall through to the dynamic import, which reports the failure
      }
    }
    loading ??= import('gpt-tokenizer').then(
      (module) => {
        gpt ??= module;
      },
      (err: unknown) => {
        loading = undefined; // let a later call try again
        throw new QuiverError(
          'INVALID_STATE',
          `cannot load gpt-tokenizer, LocalDocumentIndex's default tokenizer (${String(err)}); without ` +
            'a bundler, map it in an import map ("gpt-tokenizer": ".../gpt-tokenizer/esm/main.js"), ' +
            'or pass your own tokenizer',
        );
      },
    );
    return loading;
  }

  /** The tokens of `text`. */
  encode(text: string): number[] {
    return loaded().encode(text);
  }

  /** The text of `tokens`. */
  decode(tokens: number[]): string {
    return loaded().decode(tokens);
  }
}

/** Waits until `tokenizer` can be used synchronously (loads gpt-tokenizer for a GPT3Tokenizer). */
export async function tokenizerReady(tokenizer: Tokenizer): Promise<void> {
  if (tokenizer instanceof GPT3Tokenizer) await GPT3Tokenizer.load();
}
