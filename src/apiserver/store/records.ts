/**
 * The JSON payloads carried inside frames (framing.ts): WAL records and snapshot entries.
 * Encoding builds the JSON text directly so that an object is stringified exactly once per write.
 * Decoding validates shape and returns a reason instead of throwing.
 */
import { isObject } from '../../util/json-values.ts';

export type WalRecord =
  | { op: 'put'; key: string; rv: number; value: Record<string, unknown> }
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
}

export function encodePutRecord(key: string, rv: number, valueJson: string): Buffer {
  return Buffer.from(`{"op":"put","key":${JSON.stringify(key)},"rv":${rv},"value":${valueJson}}`, 'utf8');
}

export function encodeDeleteRecord(key: string, rv: number): Buffer {
  return Buffer.from(`{"op":"delete","key":${JSON.stringify(key)},"rv":${rv}}`, 'utf8');
}

export function encodeSnapshotEntry(key: string, rv: number, value: Record<string, unknown>): Buffer {
  return Buffer.from(`{"key":${JSON.stringify(key)},"rv":${rv},"value":${JSON.stringify(value)}}`, 'utf8');
}

function isVersion(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function parse(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch (e) {
    return new Error(`payload is not JSON: ${(e as Error).message}`);
  }
}

export function decodeWalRecord(payload: Buffer): WalRecord | Error {
  const r = parse(payload);
  if (r instanceof Error) return r;
  if (!isObject(r) || typeof r.key !== 'string' || !isVersion(r.rv)) return new Error('not a WAL record');
  if (r.op === 'put' && isObject(r.value)) return { op: 'put', key: r.key, rv: r.rv, value: r.value };
  if (r.op === 'delete') return { op: 'delete', key: r.key, rv: r.rv };
  return new Error(`unknown WAL record op ${JSON.stringify(r.op)}`);
}

export function decodeSnapshotHeader(payload: Buffer): SnapshotHeader | Error {
  const r = parse(payload);
  if (r instanceof Error) return r;
  if (!isObject(r) || r.format !== 1 || !(r.rv === 0 || isVersion(r.rv)) || !Number.isSafeInteger(r.count)) {
    return new Error('not a snapshot header (format 1)');
  }
  return { format: 1, rv: r.rv as number, count: r.count as number };
}

export function decodeSnapshotEntry(payload: Buffer): SnapshotEntry | Error {
  const r = parse(payload);
  if (r instanceof Error) return r;
  if (!isObject(r) || typeof r.key !== 'string' || !isVersion(r.rv) || !isObject(r.value)) {
    return new Error('not a snapshot entry');
  }
  return { key: r.key, rv: r.rv, value: r.value };
}
