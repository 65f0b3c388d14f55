// The LocalIndex and LocalDocumentIndex classes of one entry point ("quiverdb", "quiverdb/wasm",
// "quiverdb/browser"): the shared classes with that entry's default backend and in-memory
// location. local-index.ts never imports platform code (the browser bundle must not pull in the
// Node addon loader); each entry point binds its platform here, in one line.

import type { Backend } from './backend.js';
import { LocalDocumentIndex } from './document/local-document-index.js';
import { LocalIndex } from './local-index.js';
import type { MetadataTypes, VectraStorageLike } from './types.js';

/** What an entry point decides for the classes it exports. */
export interface EntryPointDefaults {
  /** The backend of an index created without `{ backend }`. */
  backend(): Backend;
  /** Where an in-memory index lives; omitted: in-memory indexes are refused (INVALID_ARGUMENT). */
  memoryLocation?(folderPath: string, storage: VectraStorageLike | undefined): string;
}

/** The two classes, typed as the shared ones (their instances are exactly those). */
export interface EntryPointClasses {
  LocalIndex: typeof LocalIndex;
  LocalDocumentIndex: typeof LocalDocumentIndex;
}

export function entryPointClasses(defaults: EntryPointDefaults): EntryPointClasses {
  // Without a memoryLocation, the shared classes' own (which refuses) answers.
  const memoryLocation = (
    folderPath: string,
    storage: VectraStorageLike | undefined,
    refuse: (folderPath: string, storage: VectraStorageLike | undefined) => string,
  ): string => (defaults.memoryLocation ?? refuse)(folderPath, storage);

  class EntryLocalIndex<
    TMetadata extends Record<string, MetadataTypes> = Record<string, MetadataTypes>,
  > extends LocalIndex<TMetadata> {
    protected static override defaultBackend(): Backend {
      return defaults.backend();
    }

    protected static override memoryLocation(
      folderPath: string,
      storage: VectraStorageLike | undefined,
    ): string {
      return memoryLocation(folderPath, storage, super.memoryLocation);
    }
  }

  class EntryLocalDocumentIndex extends LocalDocumentIndex {
    protected static override defaultBackend(): Backend {
      return defaults.backend();
    }

    protected static override memoryLocation(
      folderPath: string,
      storage: VectraStorageLike | undefined,
    ): string {
      return memoryLocation(folderPath, storage, super.memoryLocation);
    }
  }

  return { LocalIndex: EntryLocalIndex, LocalDocumentIndex: EntryLocalDocumentIndex };
}
