// The tokenizer that chunking and section rendering count with. Vectra 0.15's default is
// gpt-tokenizer's default encoding; we use the same package (pinned) so that documents split into
// the same chunks under Quiver as under Vectra.

import { decode, encode } from 'gpt-tokenizer';

/** Vectra's Tokenizer interface: any object with these two methods can be passed in. */
export interface Tokenizer {
  /** The tokens of `text`. */
  encode(text: string): number[];
  /** The text of `tokens`. */
  decode(tokens: number[]): string;
}

/** gpt-tokenizer's default encoding (what Vectra calls GPT3Tokenizer). */
export class GPT3Tokenizer implements Tokenizer {
  /** The tokens of `text`. */
  encode(text: string): number[] {
    return encode(text);
  }

  /** The text of `tokens`. */
  decode(tokens: number[]): string {
    return decode(tokens);
  }
}
