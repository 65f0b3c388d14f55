// A document of a LocalDocumentIndex: its id and uri, and lazy access to its text and metadata
// (both stored with its chunks in the index's SQLite database; see document-store.ts).

import type { MetadataTypes } from '../types.js';
import type { DocumentStore } from './document-store.js';
import { tokenizerReady } from './tokenizer.js';

/** A document of a LocalDocumentIndex: its id and uri, with its text and metadata loaded on demand. */
export class LocalDocument {
  private text: string | undefined;
  private metadata: Record<string, MetadataTypes> | null | undefined;

  /** @internal Created by LocalDocumentIndex. */
  constructor(
    protected readonly store: DocumentStore,
    private readonly _id: string,
    private readonly _uri: string,
  ) {}

  /** The folder of the index holding the document. */
  get folderPath(): string {
    return this.store.folderPath;
  }

  /** The document's id (assigned by the index). */
  get id(): string {
    return this._id;
  }

  /** The uri the document was upserted under. */
  get uri(): string {
    return this._uri;
  }

  /** Length in tokens (estimated as characters / 4 above 40,000 characters, like Vectra). */
  async getLength(): Promise<number> {
    const text = await this.loadText();
    if (text.length > 40_000) return Math.ceil(text.length / 4);
    await tokenizerReady(this.store.tokenizer);
    return this.store.tokenizer.encode(text).length;
  }

  /** Whether metadata was given when the document was upserted. */
  async hasMetadata(): Promise<boolean> {
    return (await this.loadMetadata()) !== undefined;
  }

  /** The metadata given when the document was upserted (undefined when none was). */
  async loadMetadata(): Promise<Record<string, MetadataTypes> | undefined> {
    if (this.metadata === undefined) this.metadata = (await this.store.header(this._id))?.metadata ?? null;
    return this.metadata ?? undefined;
  }

  /** The document's full text, exactly as upserted. */
  async loadText(): Promise<string> {
    this.text ??= await this.store.text(this._id);
    return this.text;
  }
}
