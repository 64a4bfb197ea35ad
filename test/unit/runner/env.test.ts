import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvVar } from '../../../src/api/schema.ts';
import { resolveEnv } from '../../../src/runner/env.ts';
import { RunFailure } from '../../../src/runner/run-failure.ts';
import { type SecretSource, StaticSecretSource } from '../../../src/runner/secret-source.ts';

const source = new StaticSecretSource(
  [
    { kind: 'Secret', metadata: { name: 's' }, data: { token: Buffer.from('t0k3n').toString('base64') } },
    { kind: 'ConfigMap', metadata: { name: 'cm' }, data: { level: 'debug' } },
    { kind: 'Secret', metadata: { name: 'other-ns', namespace: 'elsewhere' }, stringData: { token: 'x' } },
  ],
  'team',
);

const cases: { name: string; env: EnvVar[]; want?: string[]; reason?: string }[] = [
  { name: 'literal values', env: [{ name: 'A', value: '1' }, { name: 'B' }], want: ['A=1', 'B='] },
  {
    name: 'secret key (decoded)',
    env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 's', key: 'token' } } }],
    want: ['T=t0k3n'],
  },
  {
    name: 'configmap key',
    env: [{ name: 'L', valueFrom: { configMapKeyRef: { name: 'cm', key: 'level' } } }],
    want: ['L=debug'],
  },
  {
    name: 'optional missing key is skipped',
    env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'nope', optional: true } } }],
    want: [],
  },
  {
    name: 'missing secret',
    env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }],
    reason: 'SecretNotFound',
  },
  {
    name: 'missing secret key',
    env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
    reason: 'SecretKeyNotFound',
  },
  {
    name: 'secret of another namespace is not visible',
    env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'other-ns', key: 'token' } } }],
    reason: 'SecretNotFound',
  },
  {
    name: 'missing configmap',
    env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k' } } }],
    reason: 'ConfigMapNotFound',
  },
];

for (const c of cases) {
  test(`resolveEnv: ${c.name}`, async () => {
    if (c.want) return assert.deepEqual(await resolveEnv(c.env, 'team', source, 'spec.run.env'), c.want);
    await assert.rejects(resolveEnv(c.env, 'team', source, 'spec.run.env'), (e: unknown) => {
      assert.ok(e instanceof RunFailure);
      assert.equal(e.result, 'Error');
      assert.equal(e.reason, c.reason);
      assert.match(e.message, /^spec\.run\.env\[0\]\.valueFrom/);
      return true;
    });
  });
}

test('resolveEnv: a failing source is SecretSourceFailed, and no value leaks into the message', async () => {
  const failing: SecretSource = {
    getSecretData: () => Promise.reject(new Error('api down')),
    getConfigMapData: () => Promise.reject(new Error('api down')),
  };
  await assert.rejects(
    resolveEnv(
      [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
      'team',
      failing,
      'spec.run.env',
    ),
    (e: unknown) => e instanceof RunFailure && e.reason === 'SecretSourceFailed',
  );
  await assert.rejects(
    resolveEnv(
      [{ name: 'T', valueFrom: { secretKeyRef: { name: 's', key: 'missing' } } }],
      'team',
      source,
      'spec.run.env',
    ),
    (e: unknown) => !(e as Error).message.includes('t0k3n'),
  );
});
