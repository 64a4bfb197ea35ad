import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImageRef } from '../../../src/docker/image-ref.ts';

const cases = [
  { ref: 'alpine', want: { repository: 'alpine', tagOrDigest: 'latest', registry: 'docker.io' } },
  { ref: 'alpine:3.20', want: { repository: 'alpine', tagOrDigest: '3.20', registry: 'docker.io' } },
  { ref: 'team/tool:1', want: { repository: 'team/tool', tagOrDigest: '1', registry: 'docker.io' } },
  {
    ref: '127.0.0.1:5000/x/y',
    want: { repository: '127.0.0.1:5000/x/y', tagOrDigest: 'latest', registry: '127.0.0.1:5000' },
  },
  {
    ref: '127.0.0.1:5000/x/y:t',
    want: { repository: '127.0.0.1:5000/x/y', tagOrDigest: 't', registry: '127.0.0.1:5000' },
  },
  { ref: 'localhost/app:2', want: { repository: 'localhost/app', tagOrDigest: '2', registry: 'localhost' } },
  {
    ref: 'registry.example.com/t/tool@sha256:abc',
    want: {
      repository: 'registry.example.com/t/tool',
      tagOrDigest: 'sha256:abc',
      registry: 'registry.example.com',
    },
  },
];

for (const c of cases) {
  test(`parseImageRef(${c.ref})`, () => assert.deepEqual(parseImageRef(c.ref), c.want));
}
