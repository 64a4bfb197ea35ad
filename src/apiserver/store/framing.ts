/**
 * Self-delimiting, checksummed frames: the on-disk unit of both the write-ahead log and snapshots.
 *
 *   offset 0  magic   4 bytes  FF 4F 46 FE  ("\xFFOF\xFE")
 *          4  length  u32 LE   payload byte count
 *          8  crc     u32 LE   CRC-32 of (length bytes ++ payload)
 *         12  payload length bytes (UTF-8 JSON)
 *
 * Why a magic marker: 0xFF and 0xFE never occur in UTF-8, so they never occur inside a payload
 * (JSON.stringify emits well-formed UTF-8). After a damaged frame the scanner resynchronises at
 * the next magic that starts a frame whose checksum verifies, so one bad record never hides the
 * records after it. The checksum covers the length field, so a corrupted length cannot make the
 * scanner swallow good records silently.
 *
 * `scanFrames` never throws on bad input: it returns the good frames and a list of problems.
 */
import { crc32 } from './crc32.ts';

export const FRAME_MAGIC = Buffer.from([0xff, 0x4f, 0x46, 0xfe]);
export const FRAME_HEADER_BYTES = 12;
/** A sanity limit for a length field when reading (64 MiB): anything larger is damage, not data. */
export const MAX_FRAME_PAYLOAD_BYTES = 64 * 1024 * 1024;

export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  FRAME_MAGIC.copy(frame, 0);
  frame.writeUInt32LE(payload.length, 4);
  payload.copy(frame, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(frameChecksum(frame, 4, payload.length), 8);
  return frame;
}

function frameChecksum(buf: Buffer, lengthOffset: number, payloadLength: number): number {
  // CRC over the 4 length bytes, continued over the payload (the crc field sits between them).
  const lengthCrc = crc32(buf.subarray(lengthOffset, lengthOffset + 4));
  return crc32(buf.subarray(lengthOffset + 8, lengthOffset + 8 + payloadLength), lengthCrc);
}

export interface Frame {
  /** Byte offset of the frame's magic in the scanned buffer. */
  offset: number;
  /** Offset just past the frame. */
  end: number;
  payload: Buffer;
}

export interface FrameProblem {
  /** `tail`: damage runs to the end of the buffer with no valid frame after it (an interrupted write).
   * `corrupt`: damage followed by valid frames (the scanner skipped it and went on). */
  kind: 'tail' | 'corrupt';
  offset: number;
  /** Bytes skipped. */
  bytes: number;
  reason: string;
}

export interface ScanResult {
  frames: Frame[];
  problems: FrameProblem[];
  /** Offset just past the last valid frame (0 when there is none): where a torn tail starts. */
  validEnd: number;
}

type Attempt = { ok: true; frame: Frame } | { ok: false; reason: string };

function tryFrame(buf: Buffer, offset: number): Attempt {
  const left = buf.length - offset;
  if (left < FRAME_HEADER_BYTES) {
    if (FRAME_MAGIC.subarray(0, Math.min(4, left)).equals(buf.subarray(offset, offset + Math.min(4, left)))) {
      return { ok: false, reason: `incomplete frame header (${left} of ${FRAME_HEADER_BYTES} bytes)` };
    }
    return { ok: false, reason: 'bad magic' };
  }
  if (buf.compare(FRAME_MAGIC, 0, 4, offset, offset + 4) !== 0) return { ok: false, reason: 'bad magic' };
  const length = buf.readUInt32LE(offset + 4);
  if (length > MAX_FRAME_PAYLOAD_BYTES) return { ok: false, reason: `implausible length ${length}` };
  if (left < FRAME_HEADER_BYTES + length) {
    return {
      ok: false,
      reason: `frame extends past the end (needs ${FRAME_HEADER_BYTES + length} bytes, ${left} left)`,
    };
  }
  const want = buf.readUInt32LE(offset + 8);
  if (frameChecksum(buf, offset + 4, length) !== want) return { ok: false, reason: 'checksum mismatch' };
  const end = offset + FRAME_HEADER_BYTES + length;
  return { ok: true, frame: { offset, end, payload: buf.subarray(offset + FRAME_HEADER_BYTES, end) } };
}

function nextValidFrame(buf: Buffer, from: number): number {
  let at = buf.indexOf(FRAME_MAGIC, from);
  while (at !== -1) {
    if (tryFrame(buf, at).ok) return at;
    at = buf.indexOf(FRAME_MAGIC, at + 1);
  }
  return -1;
}

export function scanFrames(buf: Buffer): ScanResult {
  const frames: Frame[] = [];
  const problems: FrameProblem[] = [];
  let offset = 0;
  let validEnd = 0;
  while (offset < buf.length) {
    const attempt = tryFrame(buf, offset);
    if (attempt.ok) {
      frames.push(attempt.frame);
      offset = attempt.frame.end;
      validEnd = offset;
      continue;
    }
    const next = nextValidFrame(buf, offset + 1);
    if (next === -1) {
      problems.push({ kind: 'tail', offset, bytes: buf.length - offset, reason: attempt.reason });
      break;
    }
    problems.push({ kind: 'corrupt', offset, bytes: next - offset, reason: attempt.reason });
    offset = next;
  }
  return { frames, problems, validEnd };
}
