import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DaemonConfigError,
  localDaemonConfig,
  parseDaemonConfig,
  parsePoolOptions,
  resolveEndpoint,
} from '../../../src/docker/config.ts';

const cases: { name: string; input: unknown; ok: boolean; field?: RegExp }[] = [
  { name: 'unix socket', input: { name: 'local', host: 'unix:///var/run/docker.sock' }, ok: true },
  { name: 'tcp', input: { name: 'remote-1', host: 'tcp://10.0.0.5:2375' }, ok: true },
  {
    name: 'tcp with tls',
    input: {
      name: 'tls',
      host: 'tcp://docker.example:2376',
      tls: { caFile: 'a', certFile: 'b', keyFile: 'c' },
    },
    ok: true,
  },
  { name: 'http scheme refused', input: { name: 'x', host: 'http://h:1' }, ok: false, field: /host/ },
  { name: 'tcp without port refused', input: { name: 'x', host: 'tcp://h' }, ok: false, field: /host/ },
  { name: 'upper-case name refused', input: { name: 'Local', host: 'unix:///s' }, ok: false, field: /name/ },
  {
    name: 'tls on unix refused',
    input: { name: 'x', host: 'unix:///s', tls: { caFile: 'a', certFile: 'b', keyFile: 'c' } },
    ok: false,
    field: /tls/,
  },
  {
    name: 'tls missing keyFile',
    input: { name: 'x', host: 'tcp://h:1', tls: { caFile: 'a', certFile: 'b' } },
    ok: false,
    field: /tls\.keyFile/,
  },
];

for (const c of cases) {
  test(`parseDaemonConfig: ${c.name}`, () => {
    if (c.ok) {
      assert.doesNotThrow(() => parseDaemonConfig(c.input));
    } else {
      assert.throws(
        () => parseDaemonConfig(c.input),
        (e: unknown) => e instanceof DaemonConfigError && c.field!.test(e.message),
      );
    }
  });
}

test('localDaemonConfig: default socket, DOCKER_HOST value, bare path', () => {
  assert.equal(localDaemonConfig().host, 'unix:///var/run/docker.sock');
  assert.equal(localDaemonConfig('tcp://127.0.0.1:2375').host, 'tcp://127.0.0.1:2375');
  assert.equal(localDaemonConfig('/tmp/d.sock').host, 'unix:///tmp/d.sock');
  assert.equal(localDaemonConfig('').host, 'unix:///var/run/docker.sock');
});

test('resolveEndpoint: unix and tcp; unreadable TLS files name the field', () => {
  assert.deepEqual(resolveEndpoint(parseDaemonConfig({ name: 'a', host: 'unix:///x.sock' })), {
    kind: 'unix',
    socketPath: '/x.sock',
  });
  assert.deepEqual(resolveEndpoint(parseDaemonConfig({ name: 'a', host: 'tcp://127.0.0.1:2375' })), {
    kind: 'tcp',
    hostname: '127.0.0.1',
    port: 2375,
  });
  const tls = parseDaemonConfig({
    name: 'a',
    host: 'tcp://h:2376',
    tls: { caFile: '/nope/ca', certFile: '/nope/c', keyFile: '/nope/k' },
  });
  assert.throws(() => resolveEndpoint(tls), /tls\.caFile: cannot read \/nope\/ca/);
});

test('parsePoolOptions: documented defaults, bad values refused', () => {
  const o = parsePoolOptions();
  assert.equal(o.connectTimeoutMs, 5000);
  assert.equal(o.headerTimeoutMs, 10000);
  assert.equal(o.requestTimeoutMs, 30000);
  assert.equal(o.containerCallTimeoutMs, 60000);
  assert.equal(o.breakerThreshold, 10);
  assert.equal(o.halfOpenAfterMs, 30000);
  assert.equal(o.bulkheadLimit, 200);
  assert.throws(() => parsePoolOptions({ bulkheadLimit: 0 }), /bulkheadLimit/);
});
