/**
 * The JSON payloads carried inside frames (framing.ts): WAL records and snapshot entries.
 * Encoding builds the JSON text directly so that an object is stringified exactly once per write.
 * Decoding validates shape and returns a reason instead of throwing.
 */
import { isObject } from '../../util/json-values.ts';

export type WalRecord =
  | { op: 'put'; key: string; rv: number; value: Record<string, unknown>; valueJson: string }
  | { op: 'delete'; key: string; rv: number };

export interface SnapshotHeader {
  format: 1;
  rv: number;
  count: number;
}

export interface SnapshotEntry {
  key: string;
  rv: number;
  value: Record<string, unknown>;
  /** The value's JSON text, as written (the store keeps the text, not the parsed value). */
  valueJson: string;
}

export function encodePutRecord(key: string, rv: number, valueJson: string): Buffer {
  return Buffer.from(`{"op":"put","key":${JSON.stringify(key)},"rv":${rv},"value":${valueJson}}`, 'utf8');
}

export function encodeDeleteRecord(key: string, rv: number): Buffer {
  return Buffer.from(`{"op":"delete","key":${JSON.stringify(key)},"rv":${rv}}`, 'utf8');
}

export function encodeSnapshotEntry(key: string, rv: number, valueJson: string): Buffer {
  return Buffer.from(`{"key":${JSON.stringify(key)},"rv":${rv},"value":${valueJson}}`, 'utf8');
}

/**
 * The value's text inside a record: the encoders above put it last, after a prefix that the key
 * and version determine, so it is a slice of the record's text (no second JSON.stringify at
 * start-up). A record that does not have that exact shape gets its value serialized again.
 */
function valueText(text: string, prefix: string, value: Record<string, unknown>): string {
  if (text.startsWith(prefix) && text.endsWith('}')) return text.slice(prefix.length, -1);
  return JSON.stringify(value);
}

function isVersion(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return new Error(`payload is not JSON: ${(e as Error).message}`);
  }
}

export function decodeWalRecord(payload: Buffer): WalRecord | Error {
  const text = payload.toString('utf8');
  const r = parse(text);
  if (r instanceof Error) return r;
  if (!isObject(r) || typeof r.key !== 'string' || !isVersion(r.rv)) return new Error('not a WAL record');
  if (r.op === 'put' && isObject(r.value)) {
    const prefix = `{"op":"put","key":${JSON.stringify(r.key)},"rv":${r.rv},"value":`;
    return { op: 'put', key: r.key, rv: r.rv, value: r.value, valueJson: valueText(text, prefix, r.value) };
  }
  if (r.op === 'delete') return { op: 'delete', key: r.key, rv: r.rv };
  return new Error(`unknown WAL record op ${JSON.stringify(r.op)}`);
}

export function decodeSnapshotHeader(payload: Buffer): SnapshotHeader | Error {
  const r = parse(payload.toString('utf8'));
  if (r instanceof Error) return r;
  if (!isObject(r) || r.format !== 1 || !(r.rv === 0 || isVersion(r.rv)) || !Number.isSafeInteger(r.count)) {
    return new Error('not a snapshot header (format 1)');
  }
  return { format: 1, rv: r.rv as number, count: r.count as number };
}

export function decodeSnapshotEntry(payload: Buffer): SnapshotEntry | Error {
  const text = payload.toString('utf8');
  const r = parse(text);
  if (r instanceof Error) return r;
  if (!isObject(r) || typeof r.key !== 'string' || !isVersion(r.rv) || !isObject(r.value)) {
    return new Error('not a snapshot entry');
  }
  const prefix = `{"key":${JSON.stringify(r.key)},"rv":${r.rv},"value":`;
  return { key: r.key, rv: r.rv, value: r.value, valueJson: valueText(text, prefix, r.value) };
}
