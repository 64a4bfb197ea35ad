import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProtobufObject } from '../../../../src/apiserver/http/protobuf-body.ts';
import { ApiError } from '../../../../src/apiserver/status-errors.ts';

// A minimal protobuf writer for the test: length-delimited fields only (what kubectl sends here).
function field(no: number, value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.from(out);
  };
  return Buffer.concat([varint((no << 3) | 2), varint(bytes.length), bytes]);
}
const entry = (no: number, k: string, v: string | Buffer) =>
  field(no, Buffer.concat([field(1, k), field(2, v)]));
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([
    Buffer.from('k8s\0', 'latin1'),
    field(1, Buffer.concat([field(1, apiVersion), field(2, kind)])),
    field(2, raw),
  ]);

test('a Namespace as kubectl create namespace sends it', () => {
  const meta = Buffer.concat([field(1, 'ops'), entry(11, 'team', 'a')]);
  const body = envelope('v1', 'Namespace', Buffer.concat([field(1, meta), field(2, Buffer.alloc(0))]));
  assert.deepEqual(decodeProtobufObject(body), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'ops', labels: { team: 'a' } },
  });
});

test('a Secret: data bytes become base64, type and stringData kept', () => {
  const raw = Buffer.concat([
    field(1, field(1, 'creds')),
    entry(2, 'password', Buffer.from([0xff, 0x00, 0x41])),
    field(3, 'Opaque'),
    entry(4, 'user', 'admin'),
  ]);
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'Secret', raw)), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds' },
    data: { password: Buffer.from([0xff, 0x00, 0x41]).toString('base64') },
    type: 'Opaque',
    stringData: { user: 'admin' },
  });
});

test('a ConfigMap: data and binaryData', () => {
  const raw = Buffer.concat([
    field(1, field(1, 'cfg')),
    entry(2, 'a', 'b'),
    entry(3, 'bin', Buffer.from('xyz')),
  ]);
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'ConfigMap', raw)), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg' },
    data: { a: 'b' },
    binaryData: { bin: Buffer.from('xyz').toString('base64') },
  });
});

const refusals: { name: string; body: Buffer; code: number }[] = [
  { name: 'another kind is 415', body: envelope('v1', 'Pod', field(1, field(1, 'p'))), code: 415 },
  { name: 'no envelope is 400', body: Buffer.from('{"kind":"Namespace"}'), code: 400 },
  {
    name: 'a truncated body is 400',
    body: Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x50, 0x01])]),
    code: 400,
  },
  {
    name: 'a runaway varint is 400',
    body: Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.alloc(12, 0xff)]),
    code: 400,
  },
];
for (const c of refusals) {
  test(`protobuf: ${c.name}`, () => {
    assert.throws(
      () => decodeProtobufObject(c.body),
      (e: unknown) => e instanceof ApiError && e.code === c.code,
    );
  });
}
