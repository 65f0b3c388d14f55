// How items become table columns for the Lance and Parquet exports: `id` (string), `vector`
// (fixed-size list of float32) and one column per top-level metadata field, typed when every item
// agrees (float64, bool, utf8) and JSON text otherwise (nested objects, arrays, mixed types).
// Each metadata column's Arrow field metadata names the original key and whether it holds JSON, so
// that the metadata can be rebuilt exactly (see metadataFromRow).

import type { IndexItem } from '../types.js';

type Arrow = typeof import('apache-arrow');

/** The storage of one metadata field. */
export interface MetadataColumn {
  /** Metadata key in Quiver. */
  key: string;
  /** Column name: the key, or `metadata_<key>` when the key is `id` or `vector`. */
  name: string;
  kind: 'number' | 'boolean' | 'string' | 'json';
}

/** Arrow field metadata keys written on metadata columns. */
export const FIELD_KEY = 'quiver.metadata_key';
export const FIELD_JSON = 'quiver.json';

/** The metadata columns for these items, in first-seen key order. */
export function planColumns(items: IndexItem<Record<string, unknown>>[]): MetadataColumn[] {
  const kinds = new Map<string, MetadataColumn['kind'] | 'null'>();
  for (const item of items) {
    for (const [key, value] of Object.entries(item.metadata)) {
      const kind = kindOf(value);
      const seen = kinds.get(key);
      if (seen === undefined || seen === 'null') kinds.set(key, kind);
      else if (kind !== 'null' && kind !== seen) kinds.set(key, 'json');
    }
  }
  return [...kinds].map(([key, kind]) => ({
    key,
    name: key === 'id' || key === 'vector' ? `metadata_${key}` : key,
    kind: kind === 'null' ? 'json' : kind,
  }));
}

function kindOf(value: unknown): MetadataColumn['kind'] | 'null' {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  return 'json';
}

/** The Arrow schema of an export with `dims`-long vectors. */
export function exportSchema(arrow: Arrow, dims: number, columns: MetadataColumn[], metric: string) {
  const { Schema, Field, FixedSizeList, Float32, Float64, Bool, Utf8 } = arrow;
  const typeOf = (kind: MetadataColumn['kind']) =>
    kind === 'number' ? new Float64() : kind === 'boolean' ? new Bool() : new Utf8();
  return new Schema(
    [
      new Field('id', new Utf8(), false),
      new Field('vector', new FixedSizeList(dims, new Field('item', new Float32(), true)), false),
      ...columns.map(
        (c) =>
          new Field(
            c.name,
            typeOf(c.kind),
            true,
            new Map([
              [FIELD_KEY, c.key],
              [FIELD_JSON, String(c.kind === 'json')],
            ]),
          ),
      ),
    ],
    new Map([
      ['quiver.metric', metric],
      ['quiver.format', '1'],
    ]),
  );
}

/** One Arrow table holding these items, in the schema from exportSchema. */
export function itemsTable(
  arrow: Arrow,
  schema: ReturnType<typeof exportSchema>,
  columns: MetadataColumn[],
  items: IndexItem<Record<string, unknown>>[],
) {
  const { makeData, vectorFromArray, Table, Float32, Float64, Bool, Utf8, RecordBatch, Struct } = arrow;
  const vectorField = schema.fields[1]!;
  const dims = (vectorField.type as InstanceType<Arrow['FixedSizeList']>).listSize;
  const flat = new Float32Array(items.length * dims);
  items.forEach((item, i) => flat.set(item.vector, i * dims));
  const vectorData = makeData({
    type: vectorField.type,
    length: items.length,
    nullCount: 0,
    child: makeData({ type: new Float32(), length: flat.length, data: flat }),
  });
  const children = [
    vectorFromArray(
      items.map((item) => item.id),
      new Utf8(),
    ).data[0]!,
    vectorData,
    ...columns.map((c) => {
      const values = items.map((item) => {
        const v = item.metadata[c.key];
        if (v === undefined || v === null) return null;
        return c.kind === 'json' ? JSON.stringify(v) : v;
      });
      const type = c.kind === 'number' ? new Float64() : c.kind === 'boolean' ? new Bool() : new Utf8();
      return vectorFromArray(values, type).data[0]!;
    }),
  ];
  const struct = makeData({ type: new Struct(schema.fields), length: items.length, nullCount: 0, children });
  return new Table(schema, [new RecordBatch(schema, struct)]);
}

/** Rebuilds an item's metadata from an exported row (the inverse of the column plan). */
export function metadataFromRow(
  row: Record<string, unknown>,
  fields: { name: string; metadata: Map<string, string> }[],
): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  for (const field of fields) {
    const key = field.metadata.get(FIELD_KEY);
    if (key === undefined) continue;
    const value = row[field.name];
    if (value === null || value === undefined) continue;
    metadata[key] = field.metadata.get(FIELD_JSON) === 'true' ? JSON.parse(String(value)) : value;
  }
  return metadata;
}
