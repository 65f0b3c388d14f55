// Readers and writers for the TEXMEX .fvecs/.ivecs formats (little-endian): per row, an int32
// count d followed by d float32 (fvecs) or int32 (ivecs) values. Used by the SIFT datasets and
// as the on-disk format of the ground-truth cache.
import { readFile, writeFile } from 'node:fs/promises';

// Both formats share a layout; only the element type differs.
function parseVecs(buffer, ArrayType, path) {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer.byteLength < 4) throw new Error(`${path}: file too short`);
  const dimensions = view.getInt32(0, true);
  if (dimensions <= 0) throw new Error(`${path}: bad row length ${dimensions}`);
  const rowBytes = 4 + dimensions * 4;
  if (buffer.byteLength % rowBytes !== 0) {
    throw new Error(`${path}: size ${buffer.byteLength} is not a multiple of ${rowBytes}`);
  }
  const count = buffer.byteLength / rowBytes;
  const data = new ArrayType(count * dimensions);
  for (let row = 0; row < count; row++) {
    const offset = row * rowBytes;
    const d = view.getInt32(offset, true);
    if (d !== dimensions) throw new Error(`${path}: row ${row} has length ${d}, not ${dimensions}`);
    for (let j = 0; j < dimensions; j++) {
      const at = offset + 4 + j * 4;
      data[row * dimensions + j] =
        ArrayType === Float32Array ? view.getFloat32(at, true) : view.getInt32(at, true);
    }
  }
  return { count, dimensions, data };
}

function serializeVecs(data, dimensions, isFloat) {
  const count = data.length / dimensions;
  const rowBytes = 4 + dimensions * 4;
  const buffer = Buffer.alloc(count * rowBytes);
  for (let row = 0; row < count; row++) {
    const offset = row * rowBytes;
    buffer.writeInt32LE(dimensions, offset);
    for (let j = 0; j < dimensions; j++) {
      const value = data[row * dimensions + j];
      const at = offset + 4 + j * 4;
      if (isFloat) buffer.writeFloatLE(value, at);
      else buffer.writeInt32LE(value, at);
    }
  }
  return buffer;
}

/** Reads an .fvecs file into { count, dimensions, data: Float32Array (row-major) }. */
export async function readFvecs(path) {
  return parseVecs(await readFile(path), Float32Array, path);
}

/** Reads an .ivecs file into { count, dimensions, data: Int32Array (row-major) }. */
export async function readIvecs(path) {
  return parseVecs(await readFile(path), Int32Array, path);
}

export async function writeFvecs(path, data, dimensions) {
  await writeFile(path, serializeVecs(data, dimensions, true));
}

export async function writeIvecs(path, data, dimensions) {
  await writeFile(path, serializeVecs(data, dimensions, false));
}
