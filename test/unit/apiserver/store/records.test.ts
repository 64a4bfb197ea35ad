import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeSnapshotEntry,
  decodeWalRecord,
  encodePutRecord,
  encodeSnapshotEntry,
} from '../../../../src/apiserver/store/records.ts';

const value = { metadata: { name: 'a', labels: { app: 'x' } }, spec: { s: 'ü "quoted" }' } };
const text = JSON.stringify(value);

test('a put record gives back the value and its text exactly as written', () => {
  const r = decodeWalRecord(encodePutRecord('ofelia.dev/x/ns/a', 7, text));
  assert.ok(!(r instanceof Error) && r.op === 'put');
  assert.deepEqual(r.value, value);
  assert.equal(r.valueJson, text);
});

test('a snapshot entry gives back the value and its text exactly as written', () => {
  const r = decodeSnapshotEntry(encodeSnapshotEntry('k"ey/}', 3, text));
  assert.ok(!(r instanceof Error));
  assert.equal(r.key, 'k"ey/}');
  assert.equal(r.valueJson, text);
});

test('a record in another shape (fields reordered, spaces) still yields its value as JSON text', () => {
  const other = Buffer.from(
    `{ "rv": 7, "value": ${JSON.stringify(value, null, 1)}, "key": "k", "op": "put" }`,
  );
  const r = decodeWalRecord(other);
  assert.ok(!(r instanceof Error) && r.op === 'put');
  assert.deepEqual(JSON.parse(r.valueJson), value);
  const e = decodeSnapshotEntry(Buffer.from(`{"rv":3,"key":"k","value":${text}}`));
  assert.ok(!(e instanceof Error));
  assert.deepEqual(JSON.parse(e.valueJson), value);
});
