// Splits a document into chunks of at most `chunkSize` tokens, recursively: first at the most
// significant separator of the document type (a class, a heading...), then at weaker ones, and
// finally by token windows; neighbouring small pieces are merged back up to the budget. Each
// chunk records its character span in the original text (startPos..endPos, inclusive), which is
// what queries and rendered sections point back into.
//
// The behaviour (including its rough edges: the merge budget also compares characters with the
// token budget, and separator-only runs such as '---' glued to words are dropped) is Vectra
// 0.15's, so that an index built by Quiver holds the same chunks as one built by Vectra. The
// differential test in test/ts/document-index.test.ts checks this against Vectra itself.

import { invalidArgument } from '../errors.js';
import { separatorsFor } from './separators.js';
import { GPT3Tokenizer, type Tokenizer } from './tokenizer.js';

/** Options of TextSplitter (all optional in its constructor). */
export interface TextSplitterConfig {
  /** Separators to split at, strongest first (default: those of `docType`). */
  separators: string[];
  /** Keep the separators in the chunks' text (default false). */
  keepSeparators: boolean;
  /** Maximum tokens per chunk (default 400). */
  chunkSize: number;
  /** Tokens of each neighbour recorded as a chunk's overlap (default 40). */
  chunkOverlap: number;
  /** Counts tokens (default: GPT3Tokenizer). */
  tokenizer: Tokenizer;
  /** The document type (e.g. a file extension) that picks the default separators. */
  docType?: string;
}

/** A chunk of a document produced by TextSplitter. */
export interface TextChunk {
  /** The chunk's text. */
  text: string;
  /** The chunk's tokens. */
  tokens: number[];
  /** Offset of the chunk's first character in the document. */
  startPos: number;
  /** Offset of the chunk's last character in the document (inclusive). */
  endPos: number;
  /** The previous chunk's last `chunkOverlap` tokens. */
  startOverlap: number[];
  /** The next chunk's first `chunkOverlap` tokens. */
  endOverlap: number[];
}

const SEPARATOR_RUN = /(-{3,}|\*{3,}|={3,}|_{3,})/g;
const hasText = (s: string): boolean => /\S/.test(s);
const isPunctuation = (s: string): boolean => hasText(s) && !/[a-zA-Z0-9]/.test(s);

let sharedTokenizer: Tokenizer | undefined;

/** Splits text into chunks of at most `chunkSize` tokens, the way Vectra 0.15 does. */
export class TextSplitter {
  private readonly separators: string[];
  private readonly keepSeparators: boolean;
  private readonly chunkSize: number;
  private readonly chunkOverlap: number;
  private readonly tokenizer: Tokenizer;

  constructor(config: Partial<TextSplitterConfig> = {}) {
    this.keepSeparators = config.keepSeparators ?? false;
    this.chunkSize = config.chunkSize ?? 400;
    this.chunkOverlap = config.chunkOverlap ?? 40;
    this.tokenizer = config.tokenizer ?? (sharedTokenizer ??= new GPT3Tokenizer());
    this.separators =
      config.separators && config.separators.length > 0 ? [...config.separators] : separatorsFor(config.docType);
    if (!(this.chunkSize >= 1)) throw invalidArgument('chunkSize must be >= 1');
    if (!(this.chunkOverlap >= 0)) throw invalidArgument('chunkOverlap must be >= 0');
    if (this.chunkOverlap > this.chunkSize) throw invalidArgument('chunkOverlap must be <= chunkSize');
  }

  /** Splits `text` into chunks, in document order, each with its character span and overlaps. */
  split(text: string): TextChunk[] {
    const chunks = this.splitAt(text, this.separators, 0);
    if (this.chunkOverlap > 0) {
      for (let i = 0; i + 1 < chunks.length; i++) {
        const [current, next] = [chunks[i], chunks[i + 1]];
        next.startOverlap = current.tokens.slice(Math.max(0, current.tokens.length - this.chunkOverlap));
        current.endOverlap = next.tokens.slice(0, this.chunkOverlap);
      }
    }
    return chunks;
  }

  /** Chunks of `text`, which starts at offset `start` of the document. */
  private splitAt(text: string, separators: string[], start: number): TextChunk[] {
    if (text.length === 0) return [];
    if (separators.length === 0) return this.merge(this.budgetChunks(text, start), '');
    const [separator, ...weaker] = separators;
    const parts = separator === ' ' ? this.tokenWindows(text) : text.split(separator);
    const pieces: TextChunk[] = [];
    let offset = start;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const piece = this.keepSeparators && !last ? part + separator : part;
      if (hasText(piece)) {
        const sub = this.splitAt(piece, weaker, offset);
        pieces.push(...(sub.length > 0 ? sub : this.budgetChunks(piece, offset)));
      }
      offset += part.length + (last ? 0 : separator.length);
    });
    // Pieces cut at line breaks are glued back with a space; other cuts glue directly.
    const glue = !this.keepSeparators && separator !== ' ' && /[\n\t]/.test(separator) ? ' ' : '';
    return this.merge(pieces, glue);
  }

  /** One chunk for `text`, or several if it is over the token budget. */
  private budgetChunks(text: string, start: number): TextChunk[] {
    const tokens = this.tokenizer.encode(text);
    if (tokens.length > this.chunkSize) {
      const out: TextChunk[] = [];
      let offset = start;
      for (let at = 0; at < tokens.length; at += this.chunkSize) {
        const window = this.tokenizer.decode(tokens.slice(at, at + this.chunkSize));
        const indent = /^\s+/.exec(window)?.[0].length ?? 0;
        const body = window.slice(indent);
        if (body.length > 0) out.push(this.chunk(this.dropInlineRuns(body), offset + indent));
        offset += window.length;
      }
      return out;
    }
    // A long string with no whitespace and no separator (a hash, base64...): character windows.
    if (
      text.length > this.chunkSize &&
      !/\s/.test(text) &&
      !this.separators.some((s) => s.length > 0 && text.includes(s))
    ) {
      const out: TextChunk[] = [];
      let offset = start;
      for (let at = 0; at < text.length; at += this.chunkSize) {
        const piece = this.chunk(this.dropInlineRuns(text.slice(at, at + this.chunkSize)), offset);
        out.push(piece);
        offset = piece.endPos + 1;
      }
      return out;
    }
    return [this.chunk(this.dropInlineRuns(text), start)];
  }

  private chunk(text: string, startPos: number): TextChunk {
    return {
      text,
      tokens: this.tokenizer.encode(text),
      startPos,
      endPos: startPos + text.length - 1,
      startOverlap: [],
      endOverlap: [],
    };
  }

  /** Merges neighbours while both budgets allow; punctuation-only chunks stay on their own. */
  private merge(chunks: TextChunk[], glue: string): TextChunk[] {
    const out: TextChunk[] = [];
    let current: TextChunk | undefined;
    for (const next of chunks) {
      if (current === undefined) {
        current = next;
        continue;
      }
      const fits =
        current.tokens.length + next.tokens.length <= this.chunkSize &&
        current.text.length + glue.length + next.text.length <= this.chunkSize;
      if (isPunctuation(current.text) || isPunctuation(next.text) || !fits) {
        out.push(current);
        current = next;
        continue;
      }
      const joint = !this.keepSeparators && hasText(current.text) && hasText(next.text) ? glue : '';
      current.text += joint + next.text;
      current.endPos = next.endPos;
      for (const t of next.tokens) current.tokens.push(t);
    }
    if (current !== undefined) out.push(current);
    return out;
  }

  /** Token windows of `chunkSize`: the "split at spaces" of code document types. */
  private tokenWindows(text: string): string[] {
    const tokens = this.tokenizer.encode(text);
    const parts: string[] = [];
    for (let at = 0; ; at += this.chunkSize) {
      const rest = tokens.length - at;
      parts.push(this.tokenizer.decode(tokens.slice(at, at + Math.min(rest, this.chunkSize))));
      if (rest <= this.chunkSize) return parts;
    }
  }

  /** Drops runs like '---' or '***' glued to a word (standalone rules on their own line stay). */
  private dropInlineRuns(text: string): string {
    if (this.keepSeparators || text.length === 0) return text;
    return text.replace(SEPARATOR_RUN, (run, _group, at: number) => {
      const before = at > 0 ? text[at - 1] : undefined;
      const after = at + run.length < text.length ? text[at + run.length] : undefined;
      const glued = (before !== undefined && /\S/.test(before)) || (after !== undefined && /\S/.test(after));
      return glued ? '' : run;
    });
  }
}
