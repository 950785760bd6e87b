// Reads the graph out of a file written by hnswlib (hnswlib-node's writeIndex), so that our own
// native search (kernels/hnsw.ts) can walk the very graph hnswlib holds; and writes one
// (writeHnswlibIndex) from a graph our builder made (kernels/hnsw-build.ts), for hnswlib-node to load.
//
// hnswlib's layout (little-endian, size_t = 8 bytes):
//   header, 96 bytes: offsetLevel0, maxElements, elementCount, bytesPerElement, labelOffset, dataOffset
//     (size_t each), maxLevel (int32), entryPoint (uint32), maxM, maxM0, M (size_t), mult (float64),
//     efConstruction (size_t);
//   elementCount level-0 records of bytesPerElement bytes: at offsetLevel0 a uint32 header (low 16 bits
//     = number of links, byte 2 bit 0 = markDelete flag) followed by maxM0 uint32 internal ids; at
//     dataOffset the vector (dim float32, unit length for the cosine space); at labelOffset the label
//     (size_t);
//   then per element a uint32 byte size (level × (4 + 4·maxM), 0 on level 0) and its upper link lists,
//     level 1 first, each a uint32 count and maxM ids.
// Every size is checked against the file's length; a file that does not add up is a FormatError.
import { FormatError } from '../util/errors.js';

const HEADER_BYTES = 96;

/** The graph of an hnswlib index; ids are hnswlib's internal ids (0 … count−1, insertion order). */
export interface HnswGraph {
  dim: number;
  count: number;
  maxM: number;
  maxM0: number;
  M: number;
  efConstruction: number;
  /** Top level of the graph and the node where every search starts. */
  maxLevel: number;
  entryPoint: number;
  /** count × (maxM0 + 1) int32: per node its number of level-0 links, then maxM0 slots. */
  links0: Int32Array;
  /** count × dim float32, the vectors as hnswlib stores them (unit length for cosine). */
  vectors: Float32Array;
  /** External label of each internal id. */
  labels: Float64Array;
  /** 1 where hnswlib's markDelete flag is set. */
  deleted: Uint8Array;
  /** Level of each node (0 = level 0 only). */
  levels: Int32Array;
  /**
   * Upper link lists: node i's list for level l ≥ 1 starts at upperStart[i] + (l − 1)·(maxM + 1) in
   * upperLinks (a count, then maxM slots); upperStart[i] = −1 for nodes on level 0 only.
   */
  upperStart: Int32Array;
  upperLinks: Int32Array;
}

/** Parses a file written by hnswlib's saveIndex; `source` names it in errors. */
export function parseHnswlibIndex(bytes: Uint8Array, source = 'HNSW index'): HnswGraph {
  const fail = (what: string): never => {
    throw new FormatError(`${source}: not a readable hnswlib index (${what}); rebuild the index`);
  };
  if (bytes.byteLength < HEADER_BYTES) fail(`${bytes.byteLength} bytes, shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = (at: number): number => {
    const value = view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`header field at byte ${at} is ${value}`);
    return Number(value);
  };
  const offsetLevel0 = size(0);
  const elementCount = size(16);
  const bytesPerElement = size(24);
  const labelOffset = size(32);
  const dataOffset = size(40);
  const maxLevel = view.getInt32(48, true);
  const entryPoint = view.getUint32(52, true);
  const maxM = size(56);
  const maxM0 = size(64);
  const M = size(72);
  const efConstruction = size(88);
  const links0Bytes = 4 + 4 * maxM0;
  if (offsetLevel0 !== 0 || dataOffset !== links0Bytes) {
    fail(`level-0 links at ${offsetLevel0}, vector at ${dataOffset}, expected 0 and ${links0Bytes}`);
  }
  const vectorBytes = labelOffset - dataOffset;
  if (vectorBytes <= 0 || vectorBytes % 4 !== 0 || labelOffset + 8 !== bytesPerElement) {
    fail(`record of ${bytesPerElement} bytes with the label at ${labelOffset}`);
  }
  if (maxM < 1 || maxM0 < maxM || maxM > 65535 || maxM0 > 65535) fail(`maxM ${maxM}, maxM0 ${maxM0}`);
  const dim = vectorBytes / 4;
  const level0End = HEADER_BYTES + elementCount * bytesPerElement;
  if (level0End > bytes.byteLength) {
    fail(
      `${elementCount} records of ${bytesPerElement} bytes need ${level0End} bytes, the file has ${bytes.byteLength}`,
    );
  }
  if (elementCount > 0 && (entryPoint >= elementCount || maxLevel < 0)) {
    fail(`entry point ${entryPoint} of ${elementCount} nodes at level ${maxLevel}`);
  }
  const count = elementCount;
  const links0 = new Int32Array(count * (maxM0 + 1));
  const vectors = new Float32Array(count * dim);
  const labels = new Float64Array(count);
  const deleted = new Uint8Array(count);
  for (let node = 0; node < count; node++) {
    const record = HEADER_BYTES + node * bytesPerElement;
    const linkCount = view.getUint16(record, true);
    if (linkCount > maxM0) fail(`node ${node} has ${linkCount} level-0 links, more than maxM0 ${maxM0}`);
    deleted[node] = view.getUint8(record + 2) & 1;
    const links = node * (maxM0 + 1);
    links0[links] = linkCount;
    for (let j = 0; j < linkCount; j++) {
      const target = view.getUint32(record + 4 + 4 * j, true);
      if (target >= count) fail(`node ${node} links to node ${target} of ${count}`);
      links0[links + 1 + j] = target;
    }
    for (let d = 0; d < dim; d++)
      vectors[node * dim + d] = view.getFloat32(record + dataOffset + 4 * d, true);
    labels[node] = size(record + labelOffset);
  }
  // upper levels: first the sizes, to allocate once
  const listInts = maxM + 1;
  const listBytes = 4 * listInts;
  const levels = new Int32Array(count);
  const upperStart = new Int32Array(count).fill(-1);
  let at = level0End;
  let upperInts = 0;
  for (let node = 0; node < count; node++) {
    if (at + 4 > bytes.byteLength) fail(`the upper link lists stop at node ${node} of ${count}`);
    const listSize = view.getUint32(at, true);
    if (listSize % listBytes !== 0)
      fail(`node ${node}'s upper links take ${listSize} bytes, not a multiple of ${listBytes}`);
    const level = listSize / listBytes;
    if (level > maxLevel) fail(`node ${node} reaches level ${level}, above the top level ${maxLevel}`);
    levels[node] = level;
    if (level > 0) {
      upperStart[node] = upperInts;
      upperInts += level * listInts;
    }
    at += 4 + listSize;
  }
  if (at !== bytes.byteLength) {
    fail(`${bytes.byteLength} bytes where its header and link lists account for ${at}`);
  }
  if (count > 0 && levels[entryPoint] !== maxLevel) {
    fail(`the entry point is on level ${levels[entryPoint]}, the top level is ${maxLevel}`);
  }
  const upperLinks = new Int32Array(upperInts);
  at = level0End;
  for (let node = 0; node < count; node++) {
    const level = levels[node]!;
    at += 4;
    for (let l = 0; l < level; l++) {
      const list = upperStart[node]! + l * listInts;
      const linkCount = view.getUint16(at, true);
      if (linkCount > maxM)
        fail(`node ${node} has ${linkCount} links on level ${l + 1}, more than maxM ${maxM}`);
      upperLinks[list] = linkCount;
      for (let j = 0; j < linkCount; j++) {
        const target = view.getUint32(at + 4 + 4 * j, true);
        if (target >= count || levels[target]! < l + 1)
          fail(`node ${node} links to node ${target} on level ${l + 1}`);
        upperLinks[list + 1 + j] = target;
      }
      at += listBytes;
    }
  }
  return {
    dim,
    count,
    maxM,
    maxM0,
    M,
    efConstruction,
    maxLevel: count > 0 ? maxLevel : 0,
    entryPoint: count > 0 ? entryPoint : 0,
    links0,
    vectors,
    labels,
    deleted,
    levels,
    upperStart,
    upperLinks,
  };
}

/**
 * Writes `graph` in hnswlib's saveIndex layout (above): what parseHnswlibIndex reads back and hnswlib's
 * loadIndex accepts. maxElements is the node count (hnswlib-node's resizeIndex grows it after loading);
 * mult = 1 / ln(M), as hnswlib sets it; unused link slots are zero.
 */
export function writeHnswlibIndex(graph: HnswGraph): Uint8Array {
  const { count, dim, maxM, maxM0 } = graph;
  const links0Bytes = 4 + 4 * maxM0;
  const labelOffset = links0Bytes + 4 * dim;
  const bytesPerElement = labelOffset + 8;
  const listInts = maxM + 1;
  let upperBytes = 0;
  for (let node = 0; node < count; node++) upperBytes += 4 + graph.levels[node]! * 4 * listInts;
  const bytes = new Uint8Array(HEADER_BYTES + count * bytesPerElement + upperBytes);
  const view = new DataView(bytes.buffer);
  const size = (at: number, value: number): void => view.setBigUint64(at, BigInt(value), true);
  size(0, 0);
  size(8, count);
  size(16, count);
  size(24, bytesPerElement);
  size(32, labelOffset);
  size(40, links0Bytes);
  view.setInt32(48, count > 0 ? graph.maxLevel : -1, true);
  view.setInt32(52, count > 0 ? graph.entryPoint : -1, true);
  size(56, maxM);
  size(64, maxM0);
  size(72, graph.M);
  view.setFloat64(80, 1 / Math.log(graph.M), true);
  size(88, graph.efConstruction);
  for (let node = 0; node < count; node++) {
    const record = HEADER_BYTES + node * bytesPerElement;
    const links = node * (maxM0 + 1);
    const linkCount = graph.links0[links]! & 0xffff;
    view.setUint16(record, linkCount, true);
    view.setUint8(record + 2, graph.deleted[node]! & 1);
    for (let j = 0; j < linkCount; j++)
      view.setUint32(record + 4 + 4 * j, graph.links0[links + 1 + j]!, true);
    for (let d = 0; d < dim; d++)
      view.setFloat32(record + links0Bytes + 4 * d, graph.vectors[node * dim + d]!, true);
    size(record + labelOffset, graph.labels[node]!);
  }
  let at = HEADER_BYTES + count * bytesPerElement;
  for (let node = 0; node < count; node++) {
    const level = graph.levels[node]!;
    view.setUint32(at, level * 4 * listInts, true);
    at += 4;
    for (let l = 0; l < level; l++) {
      const list = graph.upperStart[node]! + l * listInts;
      const linkCount = graph.upperLinks[list]! & 0xffff;
      view.setUint32(at, linkCount, true);
      for (let j = 0; j < linkCount; j++)
        view.setUint32(at + 4 + 4 * j, graph.upperLinks[list + 1 + j]!, true);
      at += 4 * listInts;
    }
  }
  return bytes;
}
