// The tokenizer that chunking and section rendering count with. Vectra 0.15's default is
// gpt-tokenizer's default encoding; we use the same package (pinned) so that documents split into
// the same chunks under Quiver as under Vectra.

import { decode, encode } from 'gpt-tokenizer';

/** Vectra's Tokenizer interface: any object with these two methods can be passed in. */
export interface Tokenizer {
  encode(text: string): number[];
  decode(tokens: number[]): string;
}

/** gpt-tokenizer's default encoding (what Vectra calls GPT3Tokenizer). */
export class GPT3Tokenizer implements Tokenizer {
  encode(text: string): number[] {
    return encode(text);
  }

  decode(tokens: number[]): string {
    return decode(tokens);
  }
}
