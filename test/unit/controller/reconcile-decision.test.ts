import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Condition, ScheduledDockerJobStatus } from '../../../src/api/schema.ts';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import {
  type DecisionInput,
  decide,
  type ReconcilePlan,
} from '../../../src/controller/reconcile-decision.ts';
import { compileSchedule, EvaluatorCache } from '../../../src/schedule/index.ts';
import { jitterMs } from '../../../src/schedule/jitter.ts';

// ---- named time fixtures ---------------------------------------------------------------------
const at = (hh: number, mm: number, ss = 0, ms = 0) => Date.UTC(2026, 2, 10, hh, mm, ss, ms);
const tenOClock = at(10, 0);
const justAfterTen = at(10, 0, 0, 1);
const tenThirty = at(10, 0, 30);
const fiveMinutesPastTenAndAHalf = at(10, 5, 30);
const fiveMinutesPastTen = at(10, 5);
const createdAtNine = new Date(at(9, 0)).toISOString();
const iso = (ms: number) => new Date(ms).toISOString();

const evaluators = new EvaluatorCache();

interface JobShape {
  spec?: Record<string, unknown>;
  annotations?: Record<string, string>;
  generation?: number;
  status?: ScheduledDockerJobStatus;
  lastActedMs?: number;
  now: number;
}

function input(shape: JobShape): DecisionInput {
  const raw = {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: {
      name: 'backup',
      namespace: 'default',
      uid: 'uid-1',
      generation: shape.generation ?? 1,
      creationTimestamp: createdAtNine,
      annotations: shape.annotations,
    },
    spec: { schedule: '* * * * *', run: { image: 'local/busybox:test' }, ...shape.spec },
  };
  const validation = validateScheduledDockerJob(raw);
  const spec = validation.ok ? validation.job.spec : undefined;
  const compiled = spec
    ? compileSchedule(spec.schedule, { timeZone: spec.timeZone, hashKey: 'default/backup', evaluators })
    : undefined;
  return {
    nowMs: shape.now,
    meta: raw.metadata,
    status: shape.status ?? {},
    validation,
    compiled,
    lastActedMs: shape.lastActedMs,
  };
}

interface Want {
  phase: ReconcilePlan['phase'];
  ready: Partial<Condition>;
  next?: number;
  catchUp?: number;
  missed?: number;
  events?: string[];
  messageIncludes?: string;
  manualTrigger?: string;
}

const cases: { name: string; job: JobShape; want: Want }[] = [
  {
    name: 'valid new job: next minute, nothing missed',
    job: { now: tenThirty, lastActedMs: tenOClock },
    want: {
      phase: 'Scheduled',
      ready: { status: 'True', reason: 'Scheduled' },
      next: at(10, 1),
      missed: 0,
      events: [],
    },
  },
  {
    name: 'job created long ago, never run: the most recent time since creation is caught up',
    job: { now: tenThirty },
    want: {
      phase: 'Scheduled',
      ready: { status: 'True' },
      next: at(10, 1),
      catchUp: tenOClock,
      missed: 59,
      events: [],
    },
  },
  {
    name: 'invalid cron: Ready=False InvalidSchedule with the field path, event, nothing scheduled',
    job: { now: tenThirty, spec: { schedule: 'not a cron' } },
    want: {
      phase: 'Invalid',
      ready: { status: 'False', reason: 'InvalidSchedule' },
      events: ['Warning/InvalidSchedule'],
      messageIncludes: 'spec.schedule',
    },
  },
  {
    name: 'invalid cron already reported: no second event',
    job: {
      now: tenThirty,
      spec: { schedule: 'not a cron' },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'InvalidSchedule',
            message: '__SAME__',
            lastTransitionTime: iso(tenOClock),
            observedGeneration: 1,
          },
        ],
      },
    },
    want: { phase: 'Invalid', ready: { status: 'False', reason: 'InvalidSchedule' }, events: [] },
  },
  {
    name: 'unknown time zone: UnknownTimeZone',
    job: { now: tenThirty, spec: { timeZone: 'Mars/Olympus_Mons' } },
    want: {
      phase: 'Invalid',
      ready: { status: 'False', reason: 'UnknownTimeZone' },
      events: ['Warning/UnknownTimeZone'],
      messageIncludes: 'spec.timeZone',
    },
  },
  {
    name: 'neither run nor exec: InvalidSpec',
    job: { now: tenThirty, spec: { run: undefined } },
    want: {
      phase: 'Invalid',
      ready: { status: 'False', reason: 'InvalidSpec' },
      events: ['Warning/InvalidSpec'],
    },
  },
  {
    name: 'a time in the same second as the (whole-second) creation timestamp is not missed',
    job: { now: at(9, 0, 0, 500), spec: { schedule: '* * * * * *' } },
    want: { phase: 'Scheduled', ready: { status: 'True' }, next: at(9, 0, 1), missed: 0, events: [] },
  },
  {
    name: 'suspended: Ready=True Suspended, no next time, nothing missed yet',
    job: { now: fiveMinutesPastTenAndAHalf, lastActedMs: tenOClock, spec: { suspend: true } },
    want: { phase: 'Suspended', ready: { status: 'True', reason: 'Suspended' }, missed: 0, events: [] },
  },
  {
    name: 'suspended with a new run-now value: one manual run',
    job: {
      now: tenThirty,
      spec: { suspend: true },
      annotations: { 'ofelia.dev/run-now': 'r1' },
      status: { lastManualTrigger: 'r0' },
    },
    want: {
      phase: 'Suspended',
      ready: { status: 'True' },
      manualTrigger: 'r1',
      events: ['Normal/ManualTrigger'],
    },
  },
  {
    name: '@manual: no next time',
    job: { now: tenThirty, spec: { schedule: '@manual' } },
    want: { phase: 'Manual', ready: { status: 'True', reason: 'Manual' }, events: [] },
  },
  {
    name: 'run-now value already acted on: nothing',
    job: {
      now: tenThirty,
      spec: { schedule: '@manual' },
      annotations: { 'ofelia.dev/run-now': 'r1' },
      status: { lastManualTrigger: 'r1' },
    },
    want: { phase: 'Manual', ready: { status: 'True' }, events: [] },
  },
  {
    name: 'after downtime, no deadline: only the most recent missed time runs, the rest are counted',
    job: { now: fiveMinutesPastTenAndAHalf, lastActedMs: tenOClock },
    want: {
      phase: 'Scheduled',
      ready: { status: 'True' },
      catchUp: fiveMinutesPastTen,
      missed: 4,
      next: at(10, 6),
      events: [],
    },
  },
  {
    name: 'after downtime, most recent time within the deadline: it runs',
    job: { now: fiveMinutesPastTenAndAHalf, lastActedMs: tenOClock, spec: { startingDeadlineSeconds: 60 } },
    want: {
      phase: 'Scheduled',
      ready: { status: 'True' },
      catchUp: fiveMinutesPastTen,
      missed: 4,
      events: [],
    },
  },
  {
    name: 'after downtime, most recent time outside the deadline: MissSchedule, all counted',
    job: { now: fiveMinutesPastTenAndAHalf, lastActedMs: tenOClock, spec: { startingDeadlineSeconds: 10 } },
    want: {
      phase: 'Scheduled',
      ready: { status: 'True' },
      missed: 5,
      events: ['Warning/MissSchedule'],
      next: at(10, 6),
    },
  },
  {
    name: 'more than 100 missed: TooManyMissedTimes, the latest still runs',
    job: { now: fiveMinutesPastTen, lastActedMs: tenOClock, spec: { schedule: '* * * * * *' } },
    want: {
      phase: 'Scheduled',
      ready: { status: 'True' },
      catchUp: fiveMinutesPastTen,
      missed: 100,
      events: ['Warning/TooManyMissedTimes'],
      next: at(10, 5, 1),
    },
  },
  {
    name: 'more than 100 missed but few inside the deadline: no TooManyMissedTimes',
    job: {
      now: fiveMinutesPastTen,
      lastActedMs: tenOClock,
      spec: { schedule: '* * * * * *', startingDeadlineSeconds: 5 },
    },
    want: { phase: 'Scheduled', ready: { status: 'True' }, catchUp: fiveMinutesPastTen, events: [] },
  },
  {
    name: 'the time was just fired (lastActed = it): nothing to catch up',
    job: { now: justAfterTen, lastActedMs: tenOClock },
    want: { phase: 'Scheduled', ready: { status: 'True' }, next: at(10, 1), missed: 0, events: [] },
  },
  {
    name: 'new generation: observedGeneration follows',
    job: { now: tenThirty, lastActedMs: tenOClock, generation: 7 },
    want: { phase: 'Scheduled', ready: { status: 'True', observedGeneration: 7 }, events: [] },
  },
];

for (const c of cases) {
  test(`decide: ${c.name}`, () => {
    const inp = input(c.job);
    // The "already reported" row copies the message the decision itself produces.
    const existing = inp.status.conditions?.[0];
    if (existing?.message === '__SAME__')
      existing.message = decide({ ...inp, status: {} }).conditions[0]?.message;
    const plan = decide(inp);
    assert.equal(plan.phase, c.want.phase);
    const ready = plan.conditions.find((x) => x.type === 'Ready');
    assert.ok(ready, 'Ready condition set');
    for (const [k, v] of Object.entries(c.want.ready)) assert.equal(ready[k as keyof Condition], v, k);
    assert.equal(plan.next?.scheduledMs, c.want.next ?? plan.next?.scheduledMs);
    if (c.want.phase !== 'Scheduled') assert.equal(plan.next, undefined);
    assert.equal(plan.statusPatch.nextScheduleTime, plan.next ? iso(plan.next.scheduledMs) : null);
    assert.equal(plan.catchUp?.scheduledMs, c.want.catchUp);
    if (c.want.missed !== undefined) assert.equal(plan.missed, c.want.missed);
    if (c.want.events)
      assert.deepEqual(
        plan.events.map((e) => `${e.type}/${e.reason}`),
        c.want.events,
      );
    if (c.want.messageIncludes)
      assert.match(ready.message ?? '', new RegExp(c.want.messageIncludes.replace('.', '\\.')));
    assert.equal(plan.manualTrigger, c.want.manualTrigger);
    assert.equal(plan.statusPatch.observedGeneration, c.job.generation ?? 1);
  });
}

test('decide: lastTransitionTime is kept while the status stays the same, moved when it changes', () => {
  const first = decide(input({ now: tenOClock, lastActedMs: tenOClock }));
  const again = decide({
    ...input({ now: tenThirty, lastActedMs: tenOClock }),
    status: { conditions: first.conditions },
  });
  assert.equal(again.conditions[0]?.lastTransitionTime, iso(tenOClock));
  const broken = decide({
    ...input({ now: tenThirty, spec: { schedule: 'nope' } }),
    status: { conditions: first.conditions },
  });
  assert.equal(broken.conditions[0]?.lastTransitionTime, iso(tenThirty));
});

test('decide: with jitter, a time whose due moment has not come yet is next, not missed', () => {
  const spec = { jitterSeconds: 50 };
  const jitter = jitterMs('default/backup', fiveMinutesPastTen, 50);
  assert.ok(jitter > 1, 'fixture: the hash gives this time a jitter of more than 1 ms');
  const now = fiveMinutesPastTen + jitter - 1;
  const plan = decide(input({ now, lastActedMs: at(10, 4), spec }));
  assert.equal(plan.catchUp, undefined);
  assert.equal(plan.missed, 0);
  assert.deepEqual(plan.next, { scheduledMs: fiveMinutesPastTen, dueMs: fiveMinutesPastTen + jitter });
  const late = decide(input({ now: now + 2, lastActedMs: at(10, 4), spec }));
  assert.equal(late.catchUp?.scheduledMs, fiveMinutesPastTen);
});
