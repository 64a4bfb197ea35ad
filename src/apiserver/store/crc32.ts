/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial) over a byte range.
 *
 * Node >= 20.15 ships `zlib.crc32` (native, fast); older Node 20 releases do not, so a
 * table-driven fallback keeps the store working on every Node the package declares (`>=20`).
 * Both give the same value (a unit test pins them together).
 */
import * as zlib from 'node:zlib';

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The portable implementation (also used to cross-check the native one in tests). `previous`
 * continues a checksum over a split input: crc32(b, crc32(a)) === crc32(a ++ b). */
export function crc32Table(data: Uint8Array, previous = 0): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) {
    crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
// `zlib.crc32` is missing from @types/node 20 and from Node < 20.15: look it up rather than import it.
const native = (zlib as unknown as { crc32?: NativeCrc32 }).crc32;

export const crc32: (data: Uint8Array, previous?: number) => number = native
  ? (data, previous = 0) => native(data, previous) >>> 0
  : crc32Table;
