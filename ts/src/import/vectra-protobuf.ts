// Reads the index file of Vectra's ProtobufCodec (index.pb), without protobufjs: the schema is
// small and fixed (Vectra 0.15's lib/codecs/schemas/index.proto), so a wire-format reader of a
// few fields is all it takes.
//   IndexData      { 1 uint32 version; 2 MetadataConfig metadata_config; 3 repeated IndexItem items }
//   MetadataConfig { 1 repeated string indexed }
//   IndexItem      { 1 string id; 2 map<string, MetadataValue> metadata; 3 repeated float vector
//                    (packed); 4 double norm; 5 optional string metadata_file }
//   MetadataValue  { oneof: 1 string, 2 double, 3 bool }
// and the document catalog of a LocalDocumentIndex (catalog.pb):
//   DocumentCatalog { 1 uint32 version; 2 uint32 count; 3 map<string, string> uri_to_id;
//                     4 map<string, string> id_to_uri; 5 map<string, string> uri_to_hash }

import { QuiverError } from '../errors.js';
import type { VectraCatalog, VectraIndexData, VectraItem } from './vectra-format.js';

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw damaged('a varint is too long');
  }

  byte(): number {
    if (this.pos >= this.end) throw damaged('unexpected end of data');
    return this.buf[this.pos++];
  }

  bytes(): Reader {
    const length = this.varint();
    if (this.pos + length > this.end) throw damaged('a field runs past the end of its message');
    const sub = new Reader(this.buf, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }

  string(): string {
    const sub = this.bytes();
    return new TextDecoder().decode(this.buf.subarray(sub.pos, sub.end));
  }

  view(size: number): DataView {
    if (this.pos + size > this.end) throw damaged('unexpected end of data');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, size);
    this.pos += size;
    return v;
  }

  double(): number {
    return this.view(8).getFloat64(0, true);
  }

  float(): number {
    return this.view(4).getFloat32(0, true);
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === FIXED64) this.view(8);
    else if (wireType === BYTES) this.bytes();
    else if (wireType === FIXED32) this.view(4);
    else throw damaged(`unsupported wire type ${wireType}`);
  }

  /** Calls `field(number, wireType)` for each field of the message. */
  fields(field: (num: number, wireType: number) => boolean): void {
    while (!this.done()) {
      const key = this.varint();
      const num = Math.floor(key / 8);
      const wireType = key & 7;
      if (!field(num, wireType)) this.skip(wireType);
    }
  }
}

function damaged(detail: string): QuiverError {
  return new QuiverError('CORRUPT', `the Vectra protobuf index is damaged (${detail})`);
}

function metadataValue(r: Reader): string | number | boolean {
  let value: string | number | boolean = '';
  r.fields((num, wt) => {
    if (num === 1 && wt === BYTES) value = r.string();
    else if (num === 2 && wt === FIXED64) value = r.double();
    else if (num === 3 && wt === VARINT) value = r.varint() !== 0;
    else return false;
    return true;
  });
  return value;
}

function item(r: Reader): VectraItem {
  const out: VectraItem = { id: '', metadata: {}, vector: [] };
  r.fields((num, wt) => {
    if (num === 1 && wt === BYTES) out.id = r.string();
    else if (num === 2 && wt === BYTES) {
      const entry = r.bytes();
      let key = '';
      let value: string | number | boolean = '';
      entry.fields((n, w) => {
        if (n === 1 && w === BYTES) key = entry.string();
        else if (n === 2 && w === BYTES) value = metadataValue(entry.bytes());
        else return false;
        return true;
      });
      out.metadata[key] = value;
    } else if (num === 3 && wt === BYTES) {
      const packed = r.bytes();
      while (!packed.done()) out.vector.push(packed.float());
    } else if (num === 3 && wt === FIXED32) out.vector.push(r.float());
    else if (num === 4 && wt === FIXED64) out.norm = r.double();
    else if (num === 5 && wt === BYTES) out.metadataFile = r.string();
    else return false;
    return true;
  });
  return out;
}

export function decodeVectraProtobuf(buf: Uint8Array): VectraIndexData {
  const data: VectraIndexData = { version: 0, metadata_config: {}, items: [] };
  const r = new Reader(buf);
  r.fields((num, wt) => {
    if (num === 1 && wt === VARINT) data.version = r.varint();
    else if (num === 2 && wt === BYTES) {
      const config = r.bytes();
      const indexed: string[] = [];
      config.fields((n, w) => (n === 1 && w === BYTES ? (indexed.push(config.string()), true) : false));
      data.metadata_config = { indexed };
    } else if (num === 3 && wt === BYTES) data.items.push(item(r.bytes()));
    else return false;
    return true;
  });
  // Vectra reads an absent metadata_config as { indexed: [] }.
  if (!data.metadata_config.indexed) data.metadata_config = { indexed: [] };
  return data;
}

/** A map<string, string> entry: { 1 key, 2 value }. */
function stringEntry(r: Reader): [string, string] {
  let key = '';
  let value = '';
  r.fields((n, w) => {
    if (n === 1 && w === BYTES) key = r.string();
    else if (n === 2 && w === BYTES) value = r.string();
    else return false;
    return true;
  });
  return [key, value];
}

export function decodeVectraCatalogProtobuf(buf: Uint8Array): VectraCatalog {
  const catalog: VectraCatalog = { version: 0, count: 0, uriToId: {}, idToUri: {} };
  const r = new Reader(buf);
  r.fields((num, wt) => {
    if (num === 1 && wt === VARINT) catalog.version = r.varint();
    else if (num === 2 && wt === VARINT) catalog.count = r.varint();
    else if (num >= 3 && num <= 5 && wt === BYTES) {
      const [key, value] = stringEntry(r.bytes());
      const map = num === 3 ? catalog.uriToId : num === 4 ? catalog.idToUri : (catalog.uriToHash ??= {});
      map[key] = value;
    } else return false;
    return true;
  });
  return catalog;
}
