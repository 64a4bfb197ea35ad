import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CauseReason, validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { execJob, type Manifest, runJob } from './fixtures.ts';

interface Case {
  name: string;
  make: () => Manifest | unknown;
  field: string;
  reason: CauseReason;
  /** A fragment the message must contain. */
  message?: string;
}

function run(edit: (m: Manifest) => void): () => Manifest {
  return () => {
    const m = runJob();
    edit(m);
    return m;
  };
}
function exec(edit: (m: Manifest) => void): () => Manifest {
  return () => {
    const m = execJob();
    edit(m);
    return m;
  };
}

const cases: Case[] = [
  // ---- the object and its metadata
  {
    name: 'not an object',
    make: () => 'hello',
    field: '',
    reason: 'FieldValueInvalid',
    message: 'must be an object',
  },
  {
    name: 'wrong apiVersion',
    make: run((m) => {
      m.apiVersion = 'ofelia.dev/v1';
    }),
    field: 'apiVersion',
    reason: 'FieldValueNotSupported',
    message: 'supported values: "ofelia.dev/v1alpha1"',
  },
  {
    name: 'wrong kind',
    make: run((m) => {
      m.kind = 'CronJob';
    }),
    field: 'kind',
    reason: 'FieldValueNotSupported',
  },
  {
    name: 'no name',
    make: run((m) => {
      delete m.metadata.name;
    }),
    field: 'metadata.name',
    reason: 'FieldValueRequired',
  },
  {
    name: 'name not DNS-1123',
    make: run((m) => {
      m.metadata.name = 'Backup_Job';
    }),
    field: 'metadata.name',
    reason: 'FieldValueInvalid',
    message: 'RFC 1123 subdomain',
  },
  {
    name: 'name longer than 52 (run names must fit 63)',
    make: run((m) => {
      m.metadata.name = 'a'.repeat(53);
    }),
    field: 'metadata.name',
    reason: 'FieldValueTooLong',
    message: 'may not be more than 52 bytes',
  },
  {
    name: 'generateName too long',
    make: run((m) => {
      delete m.metadata.name;
      m.metadata.generateName = `${'g'.repeat(48)}-`;
    }),
    field: 'metadata.generateName',
    reason: 'FieldValueTooLong',
  },
  {
    name: 'namespace not a DNS label',
    make: run((m) => {
      m.metadata.namespace = 'team.a';
    }),
    field: 'metadata.namespace',
    reason: 'FieldValueInvalid',
    message: 'RFC 1123 label',
  },
  {
    name: 'label key with two slashes',
    make: run((m) => {
      m.metadata.labels = { 'a/b/c': 'x' };
    }),
    field: 'metadata.labels',
    reason: 'FieldValueInvalid',
    message: '"a/b/c"',
  },
  {
    name: 'label value with a space',
    make: run((m) => {
      m.metadata.labels = { app: 'my app' };
    }),
    field: 'metadata.labels',
    reason: 'FieldValueInvalid',
    message: 'valid label',
  },
  {
    name: 'label value not a string',
    make: run((m) => {
      m.metadata.labels = { app: 3 };
    }),
    field: 'metadata.labels.app',
    reason: 'FieldValueInvalid',
    message: 'must be a string',
  },
  // ---- spec: schedule and timing
  {
    name: 'no spec',
    make: run((m) => {
      delete m.spec;
    }),
    field: 'spec',
    reason: 'FieldValueRequired',
  },
  {
    name: 'no schedule',
    make: run((m) => {
      delete m.spec.schedule;
    }),
    field: 'spec.schedule',
    reason: 'FieldValueRequired',
  },
  {
    name: 'empty schedule',
    make: run((m) => {
      m.spec.schedule = '';
    }),
    field: 'spec.schedule',
    reason: 'FieldValueRequired',
  },
  {
    name: 'schedule with 4 fields',
    make: run((m) => {
      m.spec.schedule = '* * * *';
    }),
    field: 'spec.schedule',
    reason: 'FieldValueInvalid',
    message: '"* * * *"',
  },
  {
    name: 'schedule that never fires',
    make: run((m) => {
      m.spec.schedule = '0 0 30 2 *';
    }),
    field: 'spec.schedule',
    reason: 'FieldValueInvalid',
    message: 'never',
  },
  {
    name: 'TZ= prefix in schedule',
    make: run((m) => {
      m.spec.schedule = 'TZ=Europe/Berlin 0 3 * * *';
    }),
    field: 'spec.schedule',
    reason: 'FieldValueInvalid',
    message: 'timeZone',
  },
  {
    name: 'schedule not a string',
    make: run((m) => {
      m.spec.schedule = 5;
    }),
    field: 'spec.schedule',
    reason: 'FieldValueInvalid',
    message: 'must be a string',
  },
  {
    name: 'unknown time zone',
    make: run((m) => {
      m.spec.timeZone = 'Mars/Olympus_Mons';
    }),
    field: 'spec.timeZone',
    reason: 'FieldValueInvalid',
    message: 'time zone',
  },
  {
    name: 'concurrencyPolicy not supported',
    make: run((m) => {
      m.spec.concurrencyPolicy = 'Queue';
    }),
    field: 'spec.concurrencyPolicy',
    reason: 'FieldValueNotSupported',
    message: 'Unsupported value: "Queue": supported values: "Allow", "Forbid", "Replace"',
  },
  {
    name: 'jitterSeconds over 3600',
    make: run((m) => {
      m.spec.jitterSeconds = 3601;
    }),
    field: 'spec.jitterSeconds',
    reason: 'FieldValueInvalid',
    message: 'less than or equal to 3600',
  },
  {
    name: 'jitterSeconds negative',
    make: run((m) => {
      m.spec.jitterSeconds = -1;
    }),
    field: 'spec.jitterSeconds',
    reason: 'FieldValueInvalid',
    message: 'greater than or equal to 0',
  },
  {
    name: 'jitterSeconds fractional',
    make: run((m) => {
      m.spec.jitterSeconds = 1.5;
    }),
    field: 'spec.jitterSeconds',
    reason: 'FieldValueInvalid',
    message: 'must be an integer',
  },
  {
    name: 'suspend as a string',
    make: run((m) => {
      m.spec.suspend = 'yes';
    }),
    field: 'spec.suspend',
    reason: 'FieldValueInvalid',
    message: 'must be a boolean',
  },
  {
    name: 'startingDeadlineSeconds negative',
    make: run((m) => {
      m.spec.startingDeadlineSeconds = -5;
    }),
    field: 'spec.startingDeadlineSeconds',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'activeDeadlineSeconds zero',
    make: run((m) => {
      m.spec.activeDeadlineSeconds = 0;
    }),
    field: 'spec.activeDeadlineSeconds',
    reason: 'FieldValueInvalid',
    message: 'greater than or equal to 1',
  },
  {
    name: 'history limit over 100',
    make: run((m) => {
      m.spec.successfulRunsHistoryLimit = 101;
    }),
    field: 'spec.successfulRunsHistoryLimit',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'failed history limit negative',
    make: run((m) => {
      m.spec.failedRunsHistoryLimit = -1;
    }),
    field: 'spec.failedRunsHistoryLimit',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'retry limit over 100',
    make: run((m) => {
      m.spec.retry = { limit: 1000 };
    }),
    field: 'spec.retry.limit',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'retry backoff zero',
    make: run((m) => {
      m.spec.retry = { limit: 1, initialBackoffSeconds: 0 };
    }),
    field: 'spec.retry.initialBackoffSeconds',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'retry initial backoff above the maximum',
    make: run((m) => {
      m.spec.retry = { limit: 1, initialBackoffSeconds: 600, maxBackoffSeconds: 60 };
    }),
    field: 'spec.retry.initialBackoffSeconds',
    reason: 'FieldValueInvalid',
    message: 'maxBackoffSeconds (60)',
  },
  {
    name: 'retry initial backoff above the default maximum',
    make: run((m) => {
      m.spec.retry = { initialBackoffSeconds: 301 };
    }),
    field: 'spec.retry.initialBackoffSeconds',
    reason: 'FieldValueInvalid',
    message: 'maxBackoffSeconds (300)',
  },
  // ---- run / exec exclusivity
  {
    name: 'neither run nor exec',
    make: run((m) => {
      delete m.spec.run;
    }),
    field: 'spec',
    reason: 'FieldValueRequired',
    message: 'exactly one of run and exec',
  },
  {
    name: 'both run and exec',
    make: run((m) => {
      m.spec.exec = execJob().spec.exec;
    }),
    field: 'spec',
    reason: 'FieldValueForbidden',
    message: 'mutually exclusive',
  },
  // ---- run
  {
    name: 'run without image',
    make: run((m) => {
      delete m.spec.run.image;
    }),
    field: 'spec.run.image',
    reason: 'FieldValueRequired',
    message: 'Required value',
  },
  {
    name: 'image with uppercase repository',
    make: run((m) => {
      m.spec.run.image = 'Alpine:3.20';
    }),
    field: 'spec.run.image',
    reason: 'FieldValueInvalid',
    message: 'lowercase',
  },
  {
    name: 'image with a space',
    make: run((m) => {
      m.spec.run.image = 'alpine 3.20';
    }),
    field: 'spec.run.image',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'image with a short digest',
    make: run((m) => {
      m.spec.run.image = 'alpine@sha256:abc';
    }),
    field: 'spec.run.image',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'pullPolicy not supported',
    make: run((m) => {
      m.spec.run.pullPolicy = 'Sometimes';
    }),
    field: 'spec.run.pullPolicy',
    reason: 'FieldValueNotSupported',
    message: '"Always", "IfNotPresent", "Never"',
  },
  {
    name: 'remove policy not supported',
    make: run((m) => {
      m.spec.run.remove = 'OnFailure';
    }),
    field: 'spec.run.remove',
    reason: 'FieldValueNotSupported',
  },
  {
    name: 'command not an array',
    make: run((m) => {
      m.spec.run.command = 'echo hi';
    }),
    field: 'spec.run.command',
    reason: 'FieldValueInvalid',
    message: 'must be an array',
  },
  {
    name: 'env without name',
    make: run((m) => {
      m.spec.run.env = [{ value: 'x' }];
    }),
    field: 'spec.run.env[0].name',
    reason: 'FieldValueRequired',
  },
  {
    name: 'env name with =',
    make: run((m) => {
      m.spec.run.env = [{ name: 'A=B', value: 'x' }];
    }),
    field: 'spec.run.env[0].name',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'duplicate env name',
    make: run((m) => {
      m.spec.run.env = [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
        { name: 'A', value: '3' },
      ];
    }),
    field: 'spec.run.env[2].name',
    reason: 'FieldValueDuplicate',
    message: 'Duplicate value: "A"',
  },
  {
    name: 'env with value and valueFrom',
    make: run((m) => {
      m.spec.run.env = [{ name: 'A', value: '1', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }];
    }),
    field: 'spec.run.env[0].valueFrom',
    reason: 'FieldValueForbidden',
  },
  {
    name: 'env with neither value nor valueFrom',
    make: run((m) => {
      m.spec.run.env = [{ name: 'A' }];
    }),
    field: 'spec.run.env[0].value',
    reason: 'FieldValueRequired',
  },
  {
    name: 'valueFrom with both refs',
    make: run((m) => {
      m.spec.run.env = [
        {
          name: 'A',
          valueFrom: { secretKeyRef: { name: 's', key: 'k' }, configMapKeyRef: { name: 'c', key: 'k' } },
        },
      ];
    }),
    field: 'spec.run.env[0].valueFrom',
    reason: 'FieldValueForbidden',
    message: 'more than one',
  },
  {
    name: 'valueFrom with no ref',
    make: run((m) => {
      m.spec.run.env = [{ name: 'A', valueFrom: {} }];
    }),
    field: 'spec.run.env[0].valueFrom',
    reason: 'FieldValueRequired',
  },
  {
    name: 'secretKeyRef without key',
    make: run((m) => {
      m.spec.run.env = [{ name: 'A', valueFrom: { secretKeyRef: { name: 's' } } }];
    }),
    field: 'spec.run.env[0].valueFrom.secretKeyRef.key',
    reason: 'FieldValueRequired',
  },
  {
    name: 'secretKeyRef name not DNS-1123',
    make: run((m) => {
      m.spec.run.env = [{ name: 'A', valueFrom: { secretKeyRef: { name: 'My_Secret', key: 'k' } } }];
    }),
    field: 'spec.run.env[0].valueFrom.secretKeyRef.name',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'env value of the wrong type is not echoed',
    make: run((m) => {
      m.spec.run.env = [{ name: 'TOKEN', value: 123456789 }];
    }),
    field: 'spec.run.env[0].value',
    reason: 'FieldValueInvalid',
    message: 'Invalid value: "number": must be a string',
  },
  {
    name: 'memory in millibytes',
    make: run((m) => {
      m.spec.run.resources = { memory: '512m' };
    }),
    field: 'spec.run.resources.memory',
    reason: 'FieldValueInvalid',
    message: 'whole number of bytes',
  },
  {
    name: 'memory below the Docker minimum',
    make: run((m) => {
      m.spec.run.resources = { memory: '1Mi' };
    }),
    field: 'spec.run.resources.memory',
    reason: 'FieldValueInvalid',
    message: '6Mi',
  },
  {
    name: 'memory not a quantity',
    make: run((m) => {
      m.spec.run.resources = { memory: '1 GB' };
    }),
    field: 'spec.run.resources.memory',
    reason: 'FieldValueInvalid',
    message: 'quantity',
  },
  {
    name: 'cpus zero',
    make: run((m) => {
      m.spec.run.resources = { cpus: '0' };
    }),
    field: 'spec.run.resources.cpus',
    reason: 'FieldValueInvalid',
    message: 'greater than zero',
  },
  {
    name: 'cpus negative',
    make: run((m) => {
      m.spec.run.resources = { cpus: '-1' };
    }),
    field: 'spec.run.resources.cpus',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'cpus as a number',
    make: run((m) => {
      m.spec.run.resources = { cpus: 0.5 };
    }),
    field: 'spec.run.resources.cpus',
    reason: 'FieldValueInvalid',
    message: 'must be a string',
  },
  {
    name: 'pids zero',
    make: run((m) => {
      m.spec.run.resources = { pids: 0 };
    }),
    field: 'spec.run.resources.pids',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'volume target relative',
    make: run((m) => {
      m.spec.run.volumes = [{ source: 'data', target: 'data' }];
    }),
    field: 'spec.run.volumes[0].target',
    reason: 'FieldValueInvalid',
    message: 'absolute',
  },
  {
    name: 'volume target /',
    make: run((m) => {
      m.spec.run.volumes = [{ source: 'data', target: '/' }];
    }),
    field: 'spec.run.volumes[0].target',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'bind source relative',
    make: run((m) => {
      m.spec.run.volumes = [{ type: 'bind', source: 'etc', target: '/etc/x' }];
    }),
    field: 'spec.run.volumes[0].source',
    reason: 'FieldValueInvalid',
    message: 'bind mount source',
  },
  {
    name: 'bind source escaping with ..',
    make: run((m) => {
      m.spec.run.volumes = [{ type: 'bind', source: '/srv/../etc', target: '/etc/x' }];
    }),
    field: 'spec.run.volumes[0].source',
    reason: 'FieldValueInvalid',
    message: "'..'",
  },
  {
    name: 'named volume given a path',
    make: run((m) => {
      m.spec.run.volumes = [{ source: '/srv/data', target: '/data' }];
    }),
    field: 'spec.run.volumes[0].source',
    reason: 'FieldValueInvalid',
    message: 'type: bind',
  },
  {
    name: 'volume type not supported',
    make: run((m) => {
      m.spec.run.volumes = [{ type: 'tmpfs', source: 'x', target: '/x' }];
    }),
    field: 'spec.run.volumes[0].type',
    reason: 'FieldValueNotSupported',
  },
  {
    name: 'two volumes on one target',
    make: run((m) => {
      m.spec.run.volumes = [
        { source: 'a1', target: '/data' },
        { source: 'b1', target: '/data/' },
      ];
    }),
    field: 'spec.run.volumes[1].target',
    reason: 'FieldValueDuplicate',
  },
  {
    name: 'workingDir relative',
    make: run((m) => {
      m.spec.run.workingDir = 'work';
    }),
    field: 'spec.run.workingDir',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'user with a space',
    make: run((m) => {
      m.spec.run.user = 'root user';
    }),
    field: 'spec.run.user',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'hostname with underscore',
    make: run((m) => {
      m.spec.run.hostname = 'my_host';
    }),
    field: 'spec.run.hostname',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'unknown stop signal',
    make: run((m) => {
      m.spec.run.stopSignal = 'SIGSTOPPLZ';
    }),
    field: 'spec.run.stopSignal',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'stop signal number out of range',
    make: run((m) => {
      m.spec.run.stopSignal = '65';
    }),
    field: 'spec.run.stopSignal',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'stopTimeoutSeconds over 3600',
    make: run((m) => {
      m.spec.run.stopTimeoutSeconds = 7200;
    }),
    field: 'spec.run.stopTimeoutSeconds',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'reserved Docker label',
    make: run((m) => {
      m.spec.run.labels = { 'ofelia.dev/job': 'other' };
    }),
    field: 'spec.run.labels',
    reason: 'FieldValueForbidden',
    message: 'reserved',
  },
  {
    name: 'duplicate image pull secret',
    make: run((m) => {
      m.spec.run.imagePullSecrets = [{ name: 'reg' }, { name: 'reg' }];
    }),
    field: 'spec.run.imagePullSecrets[1].name',
    reason: 'FieldValueDuplicate',
  },
  // ---- exec
  {
    name: 'exec without container',
    make: exec((m) => {
      delete m.spec.exec.container;
    }),
    field: 'spec.exec.container',
    reason: 'FieldValueRequired',
  },
  {
    name: 'exec container name with a slash inside',
    make: exec((m) => {
      m.spec.exec.container = 'my/container';
    }),
    field: 'spec.exec.container',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'exec with an empty command list',
    make: exec((m) => {
      m.spec.exec.command = [];
    }),
    field: 'spec.exec.command',
    reason: 'FieldValueRequired',
  },
  {
    name: 'exec with an empty command',
    make: exec((m) => {
      m.spec.exec.command = [''];
    }),
    field: 'spec.exec.command[0]',
    reason: 'FieldValueInvalid',
  },
  // ---- security fields (what the operator's policy then allows is checked at run time)
  {
    name: 'capability with the CAP_ prefix',
    make: run((m) => {
      m.spec.run.securityContext = { capabilities: { add: ['CAP_SYS_ADMIN'] } };
    }),
    field: 'spec.run.securityContext.capabilities.add[0]',
    reason: 'FieldValueInvalid',
    message: 'no CAP_ prefix',
  },
  {
    name: 'hostPID not a boolean',
    make: run((m) => {
      m.spec.run.hostPID = 'yes';
    }),
    field: 'spec.run.hostPID',
    reason: 'FieldValueInvalid',
  },
  // ---- placement
  {
    name: 'nodeName not DNS-1123',
    make: run((m) => {
      m.spec.placement = { nodeName: 'Node_1' };
    }),
    field: 'spec.placement.nodeName',
    reason: 'FieldValueInvalid',
  },
];

test('at least 30 invalid manifests are in the table', () => {
  assert.ok(cases.length >= 30, `only ${cases.length} cases`);
});

for (const c of cases) {
  test(`rejects: ${c.name}`, () => {
    const result = validateScheduledDockerJob(c.make());
    assert.equal(result.ok, false, 'expected the manifest to be rejected');
    if (result.ok) return;
    const cause = result.causes.find((x) => x.field === c.field);
    assert.ok(cause, `no cause on ${c.field}; got ${JSON.stringify(result.causes)}`);
    assert.equal(cause.reason, c.reason, JSON.stringify(cause));
    if (c.message) assert.ok(cause.message.includes(c.message), `message ${JSON.stringify(cause.message)}`);
    // Each broken manifest breaks exactly one rule: nothing else may be reported.
    assert.deepEqual(
      result.causes.filter((x) => x !== cause),
      [],
      `unexpected extra causes: ${JSON.stringify(result.causes)}`,
    );
  });
}

test('every problem of a manifest is reported at once, each with its own path', () => {
  const m = runJob();
  m.metadata.name = 'Bad';
  m.spec.schedule = '61 * * * *';
  m.spec.timeZone = 'Nowhere/Land';
  m.spec.jitterSeconds = 'soon';
  m.spec.run.image = '';
  m.spec.run.env = [{ name: '', value: 'x' }, { name: 'B' }];
  m.spec.run.resources = { memory: '0.5', cpus: 'lots' };
  const result = validateScheduledDockerJob(m);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const fields = result.causes.map((c) => c.field).sort();
  assert.deepEqual(fields, [
    'metadata.name',
    'spec.jitterSeconds',
    'spec.run.env[0].name',
    'spec.run.env[1].value',
    'spec.run.image',
    'spec.run.resources.cpus',
    'spec.run.resources.memory',
    'spec.schedule',
    'spec.timeZone',
  ]);
});

test('a field with a shape error gets no second, semantic cause', () => {
  const m = runJob();
  m.spec.schedule = '';
  const result = validateScheduledDockerJob(m);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(
    result.causes.map((c) => [c.field, c.message]),
    [['spec.schedule', 'Required value']],
  );
});

test('never throws: hostile and odd inputs give causes', () => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error('boom');
      },
      ownKeys() {
        throw new Error('boom');
      },
    },
  );
  const deep: Record<string, unknown> = {};
  let cursor = deep;
  for (let i = 0; i < 10_000; i++) {
    const next: Record<string, unknown> = {};
    cursor.spec = next;
    cursor = next;
  }
  for (const input of [undefined, null, 0, 'x', [], [1, 2], hostile, deep, { spec: [] }, { metadata: 'x' }]) {
    const result = validateScheduledDockerJob(input);
    assert.equal(result.ok, false);
    if (!result.ok) assert.ok(result.causes.length > 0);
  }
});

test('causes are bounded for huge inputs', () => {
  const m = runJob();
  m.spec.run.env = Array.from({ length: 5000 }, () => ({ name: 'A=B', value: 'x' }));
  const result = validateScheduledDockerJob(m);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.ok(result.causes.length <= 200, `${result.causes.length} causes`);
  assert.match(result.causes.at(-1)?.message ?? '', /more problem\(s\) not listed/);
});
