// Turns a document's matching chunks into text sections for a prompt, within a token budget.
// Same results as Vectra 0.15's LocalDocumentResult:
// - renderSections: chunk scores are summed per character into a "heat" profile; each run of
//   positions hotter than 0.1 is a peak (at its hottest position); every chunk joins its nearest
//   peak; the best `maxSections` peaks each become a section made of their chunks nearest the
//   peak first, as many as fit in `maxTokens` (non-adjacent chunks joined by a "..." connector
//   that counts against the budget), optionally padded with the text around them;
// - renderAllSections: all chunks in document order, packed greedily into sections of at most
//   `maxTokens`; a chunk larger than that is cut into windows of its own.

import type { QueryResult } from '../types.js';
import type { Tokenizer } from './tokenizer.js';

/** A piece of a document's text, rendered from its chunks, to put in a prompt. */
export interface DocumentTextSection {
  /** The section's text. */
  text: string;
  /** Its length in tokens. */
  tokenCount: number;
  /** The average score of the chunks it was made from. */
  score: number;
  /** Whether it was made from keyword (BM25) matches rather than semantic ones. */
  isBm25: boolean;
}

export type Chunk = QueryResult<Record<string, unknown>>;

export const CONNECTOR = '\n\n...\n\n';
const PEAK_THRESHOLD = 0.1;
/** Padding with surrounding text is only worth it above this many spare tokens. */
const MIN_PADDING_BUDGET = 40;

const startOf = (c: Chunk): number => Number(c.item.metadata.startPos);
const endOf = (c: Chunk): number => Number(c.item.metadata.endPos);
const centreOf = (c: Chunk): number => Math.floor((startOf(c) + endOf(c)) / 2);
const textOf = (doc: string, c: Chunk): string => doc.substring(startOf(c), endOf(c) + 1);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const best = (chunks: Chunk[]): Chunk => chunks.reduce((a, b) => (b.score > a.score ? b : a), chunks[0]);

export function isBm25Chunk(chunk: Chunk): boolean {
  const flag = chunk.item.metadata?.isBm25;
  return flag === true || flag === 'true' || flag === 1 || flag === '1';
}

interface Peak {
  position: number;
  heat: number;
  members: Chunk[];
}

function findPeaks(chunks: Chunk[]): Peak[] {
  const heat = new Map<number, number>();
  for (const c of chunks) {
    for (let pos = startOf(c); pos <= endOf(c); pos++) heat.set(pos, (heat.get(pos) ?? 0) + c.score);
  }
  const peaks: Peak[] = [];
  let open: Peak | undefined;
  for (const pos of [...heat.keys()].sort((a, b) => a - b)) {
    const h = heat.get(pos)!;
    if (h < PEAK_THRESHOLD) {
      if (open) peaks.push(open);
      open = undefined;
    } else if (!open) {
      open = { position: pos, heat: h, members: [] };
    } else if (h > open.heat) {
      open.position = pos;
      open.heat = h;
    }
  }
  if (open) peaks.push(open);
  if (peaks.length === 0) {
    const top = best(chunks);
    peaks.push({ position: centreOf(top), heat: top.score, members: [] });
  }
  for (const c of chunks) {
    let nearest = peaks[0];
    for (const p of peaks) {
      if (Math.abs(centreOf(c) - p.position) < Math.abs(centreOf(c) - nearest.position)) nearest = p;
    }
    nearest.members.push(c);
  }
  return peaks.sort((a, b) => b.heat - a.heat);
}

/** The single best chunk, truncated to the budget: what is left when nothing else fits. */
function fallbackSection(
  doc: string, chunks: Chunk[], isBm25: boolean, maxTokens: number, tok: Tokenizer,
): DocumentTextSection[] {
  const top = best(chunks);
  return [{
    text: tok.decode(tok.encode(textOf(doc, top)).slice(0, maxTokens)),
    tokenCount: maxTokens,
    score: top.score,
    isBm25,
  }];
}

export function buildSections(
  doc: string,
  chunks: Chunk[],
  isBm25: boolean,
  maxTokens: number,
  maxSections: number,
  overlappingChunks: boolean,
  tok: Tokenizer,
): DocumentTextSection[] {
  if (chunks.length === 0) return [];
  const connectorTokens = tok.encode(CONNECTOR);
  const sections: DocumentTextSection[] = [];
  for (const peak of findPeaks(chunks).slice(0, maxSections)) {
    const byDistance = [...peak.members].sort(
      (a, b) => Math.abs(centreOf(a) - peak.position) - Math.abs(centreOf(b) - peak.position),
    );
    const picked: Chunk[] = [];
    let used = 0;
    for (const c of byDistance) {
      const size = tok.encode(textOf(doc, c)).length;
      if (size > maxTokens) continue;
      const touches = picked.some((p) => endOf(p) + 1 === startOf(c) || endOf(c) + 1 === startOf(p));
      const cost = size + (picked.length > 0 && overlappingChunks && !touches ? connectorTokens.length : 0);
      if (used + cost <= maxTokens) {
        picked.push(c);
        used += cost;
      }
    }
    if (picked.length === 0) return fallbackSection(doc, chunks, isBm25, maxTokens, tok);

    const ordered = [...picked].sort((a, b) => startOf(a) - startOf(b));
    let text = '';
    let tokens: number[] = [];
    ordered.forEach((c, i) => {
      if (i > 0 && overlappingChunks && endOf(ordered[i - 1]) + 1 < startOf(c)) {
        text += CONNECTOR;
        tokens = tokens.concat(connectorTokens);
      }
      const piece = textOf(doc, c);
      text += piece;
      tokens = tokens.concat(tok.encode(piece));
    });
    const spare = maxTokens - tokens.length;
    if (overlappingChunks && spare > MIN_PADDING_BUDGET) {
      const first = Math.min(...picked.map(startOf));
      const last = Math.max(...picked.map(endOf));
      const before = tok.encode(doc.slice(0, first));
      const after = tok.encode(doc.slice(last + 1));
      const beforeCount = Math.min(Math.ceil(spare / 2), before.length);
      const afterCount = Math.min(spare - beforeCount, after.length);
      const head = before.slice(before.length - beforeCount);
      const tail = after.slice(0, afterCount);
      text = tok.decode(head) + text + tok.decode(tail);
      tokens = [...head, ...tokens, ...tail];
    }
    sections.push({ text, tokenCount: tokens.length, score: mean(picked.map((c) => c.score)), isBm25 });
  }
  return sections.length > 0 ? sections : fallbackSection(doc, chunks, isBm25, maxTokens, tok);
}

export function packAllSections(doc: string, chunks: Chunk[], maxTokens: number, tok: Tokenizer): DocumentTextSection[] {
  const sections: DocumentTextSection[] = [];
  let tokens: number[] = [];
  let scores: number[] = [];
  let allBm25 = true;
  const emit = (): void => {
    if (tokens.length > 0) {
      sections.push({
        text: tok.decode(tokens),
        tokenCount: tokens.length,
        score: scores.length > 0 ? mean(scores) : 0,
        isBm25: allBm25 && scores.length > 0,
      });
    }
    tokens = [];
    scores = [];
    allBm25 = true;
  };
  for (const c of [...chunks].sort((a, b) => startOf(a) - startOf(b))) {
    const chunkTokens = tok.encode(textOf(doc, c));
    if (chunkTokens.length > maxTokens) {
      emit();
      for (let at = 0; at < chunkTokens.length; at += maxTokens) {
        tokens = chunkTokens.slice(at, at + maxTokens);
        scores = [c.score];
        allBm25 = isBm25Chunk(c);
        emit();
      }
      continue;
    }
    if (tokens.length + chunkTokens.length > maxTokens) emit();
    tokens = tokens.concat(chunkTokens);
    scores.push(c.score);
    allBm25 = allBm25 && isBm25Chunk(c);
  }
  emit();
  return sections;
}
