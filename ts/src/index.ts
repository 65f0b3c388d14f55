// Public entry point of quiverdb.

export { LocalIndex } from './local-index.js';
export { QuiverError } from './errors.js';
export type { QuiverErrorCode } from './errors.js';
export type {
  CreateIndexConfig,
  HnswConfig,
  IndexItem,
  IndexItemInput,
  IndexStats,
  InsertItemsOptions,
  LocalIndexOptions,
  MetadataFilter,
  MetadataTypes,
  Metric,
  QueryOptions,
  QueryResult,
  Vector,
} from './types.js';
export type {
  Backend,
  BackendHit,
  BackendIndex,
  BackendItem,
  BackendItemInput,
  BackendStats,
  VectorLike,
} from './backend.js';
