/**
 * Decoding of `application/vnd.kubernetes.protobuf` request bodies, which kubectl sends for
 * built-in kinds it builds itself (`kubectl create namespace|configmap|secret`). Only what those
 * commands produce is understood: the `k8s\0` envelope (runtime.Unknown), ObjectMeta's user-set
 * fields, and the fields of Namespace, ConfigMap and Secret. Anything else is a 415, so a client
 * can fall back to JSON. Responses are always JSON (kubectl accepts it).
 */
import { errors } from '../status-errors.ts';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { no: number; wire: number; varint?: bigint; bytes?: Buffer };

function readVarint(buf: Buffer, pos: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (let n = 0; n < 10; n++) {
    if (pos.i >= buf.length) throw errors.badRequest('truncated protobuf body');
    const b = buf[pos.i++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
  throw errors.badRequest('malformed protobuf varint');
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const tag = Number(readVarint(buf, pos));
    const no = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, varint: readVarint(buf, pos) });
    else if (wire === 2) {
      const len = Number(readVarint(buf, pos));
      if (pos.i + len > buf.length) throw errors.badRequest('truncated protobuf body');
      out.push({ no, wire, bytes: buf.subarray(pos.i, pos.i + len) });
      pos.i += len;
    } else if (wire === 1) pos.i += 8;
    else if (wire === 5) pos.i += 4;
    else throw errors.badRequest(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}

const text = (f: Field) => (f.bytes ?? Buffer.alloc(0)).toString('utf8');

function mapEntry(f: Field, asBase64: boolean): [string, string] {
  let key = '';
  let value = '';
  for (const e of fields(f.bytes ?? Buffer.alloc(0))) {
    if (e.no === 1) key = text(e);
    if (e.no === 2) value = asBase64 ? (e.bytes ?? Buffer.alloc(0)).toString('base64') : text(e);
  }
  return [key, value];
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const finalizers: string[] = [];
  for (const f of fields(buf)) {
    if (f.no === 1) meta.name = text(f);
    else if (f.no === 2) meta.generateName = text(f);
    else if (f.no === 3) meta.namespace = text(f);
    else if (f.no === 11) {
      const [k, v] = mapEntry(f, false);
      labels[k] = v;
    } else if (f.no === 12) {
      const [k, v] = mapEntry(f, false);
      annotations[k] = v;
    } else if (f.no === 14) finalizers.push(text(f));
  }
  for (const k of Object.keys(meta)) if (meta[k] === '') delete meta[k];
  if (Object.keys(labels).length) meta.labels = labels;
  if (Object.keys(annotations).length) meta.annotations = annotations;
  if (finalizers.length) meta.finalizers = finalizers;
  return meta;
}

function stringMapField(fs: Field[], no: number, asBase64: boolean): Record<string, string> | undefined {
  const entries = fs.filter((f) => f.no === no).map((f) => mapEntry(f, asBase64));
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function decodeKind(kind: string, raw: Buffer): Record<string, unknown> {
  const fs = fields(raw);
  const metaField = fs.find((f) => f.no === 1 && f.wire === 2);
  const obj: Record<string, unknown> = { metadata: metaField?.bytes ? objectMeta(metaField.bytes) : {} };
  const set = (key: string, v: unknown) => {
    if (v !== undefined) obj[key] = v;
  };
  switch (kind) {
    case 'Namespace':
      return obj;
    case 'ConfigMap':
      set('data', stringMapField(fs, 2, false));
      set('binaryData', stringMapField(fs, 3, true));
      set('immutable', fs.find((f) => f.no === 4)?.varint === 1n ? true : undefined);
      return obj;
    case 'Secret': {
      set('data', stringMapField(fs, 2, true));
      const type = fs.find((f) => f.no === 3);
      set('type', type ? text(type) : undefined);
      set('stringData', stringMapField(fs, 4, false));
      set('immutable', fs.find((f) => f.no === 5)?.varint === 1n ? true : undefined);
      return obj;
    }
    default:
      throw errors.unsupportedMediaType(`application/vnd.kubernetes.protobuf (kind ${kind})`);
  }
}

export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw errors.badRequest('protobuf body without the k8s envelope');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of fields(body.subarray(4))) {
    if (f.no === 1 && f.bytes) {
      for (const t of fields(f.bytes)) {
        if (t.no === 1) apiVersion = text(t);
        if (t.no === 2) kind = text(t);
      }
    } else if (f.no === 2 && f.bytes) raw = f.bytes;
  }
  return { apiVersion, kind, ...decodeKind(kind, raw) };
}
