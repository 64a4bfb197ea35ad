import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_DUE_MS, TimerWheel, type WheelTimer } from '../../../src/wheel/timer-wheel.ts';

// Named instants.
const start = Date.UTC(2026, 0, 1, 0, 0, 0);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

function drain<T>(wheel: TimerWheel<T>, nowMs: number): T[] {
  const out: T[] = [];
  wheel.advance(nowMs, (timer) => out.push(timer.value));
  return out;
}

const cases: {
  name: string;
  add: { at: number; value: string }[];
  cancel?: string[];
  /** Advance steps: [nowMs, values expected to fire at that step]. */
  steps: [number, string[]][];
  wantSize: number;
}[] = [
  {
    name: 'nothing fires before its time',
    add: [{ at: start + 10, value: 'a' }],
    steps: [
      [start + 9, []],
      [start + 10, ['a']],
    ],
    wantSize: 0,
  },
  {
    name: 'fires in due order, not insertion order',
    add: [
      { at: start + 300, value: 'c' },
      { at: start + 5, value: 'a' },
      { at: start + 70, value: 'b' },
    ],
    steps: [[start + 1000, ['a', 'b', 'c']]],
    wantSize: 0,
  },
  {
    name: 'same millisecond: all fire',
    add: [
      { at: start + 64, value: 'x' },
      { at: start + 64, value: 'y' },
    ],
    steps: [[start + 64, ['x', 'y']]],
    wantSize: 0,
  },
  {
    name: 'already due when added fires on the next advance',
    add: [{ at: start - 5, value: 'late' }],
    steps: [[start, ['late']]],
    wantSize: 0,
  },
  {
    name: 'fractional due never fires early',
    add: [{ at: start + 10.5, value: 'f' }],
    steps: [
      [start + 10, []],
      [start + 11, ['f']],
    ],
    wantSize: 0,
  },
  {
    name: 'cancelled entries never fire',
    add: [
      { at: start + 10, value: 'a' },
      { at: start + 20, value: 'b' },
    ],
    cancel: ['a'],
    steps: [[start + 100, ['b']]],
    wantSize: 0,
  },
  {
    name: 'level boundaries: 63, 64, 4095, 4096 ms',
    add: [
      { at: start + 4096, value: 'd' },
      { at: start + 63, value: 'a' },
      { at: start + 4095, value: 'c' },
      { at: start + 64, value: 'b' },
    ],
    steps: [
      [start + 63, ['a']],
      [start + 64, ['b']],
      [start + 4095, ['c']],
      [start + 4096, ['d']],
    ],
    wantSize: 0,
  },
  {
    name: 'far future (a year, ten years) cascades down and fires exactly',
    add: [
      { at: start + 10 * YEAR + 7, value: 'decade' },
      { at: start + YEAR + 3, value: 'year' },
      { at: start + 40 * DAY, value: 'month' },
    ],
    steps: [
      [start + 40 * DAY - 1, []],
      [start + 40 * DAY, ['month']],
      [start + YEAR + 2, []],
      [start + YEAR + 3, ['year']],
      [start + 10 * YEAR + 6, []],
      [start + 10 * YEAR + 7, ['decade']],
    ],
    wantSize: 0,
  },
  {
    name: 'jump forward a year fires everything due, in order',
    add: [
      { at: start + DAY, value: 'day' },
      { at: start + HOUR, value: 'hour' },
      { at: start + 2 * YEAR, value: 'later' },
    ],
    steps: [[start + YEAR, ['hour', 'day']]],
    wantSize: 1,
  },
  {
    name: 'clock backwards: nothing fires early, absolute times still hold',
    add: [
      { at: start + 10 * MINUTE, value: 'a' },
      { at: start + 20 * MINUTE, value: 'b' },
    ],
    steps: [
      [start + 5 * MINUTE, []],
      [start - HOUR, []],
      [start + 10 * MINUTE - 1, []],
      [start + 10 * MINUTE, ['a']],
      [start + 20 * MINUTE, ['b']],
    ],
    wantSize: 0,
  },
  {
    name: 'epoch edge: MAX_DUE_MS is accepted',
    add: [{ at: MAX_DUE_MS, value: 'end' }],
    steps: [
      [MAX_DUE_MS - 1, []],
      [MAX_DUE_MS, ['end']],
    ],
    wantSize: 0,
  },
];

for (const c of cases) {
  test(`wheel: ${c.name}`, () => {
    const wheel = new TimerWheel<string>(start);
    const handles = new Map<string, WheelTimer<string>>();
    for (const a of c.add) handles.set(a.value, wheel.add(a.at, a.value));
    assert.equal(wheel.size, c.add.length);
    for (const name of c.cancel ?? []) assert.equal(wheel.cancel(handles.get(name)!), true);
    for (const [now, want] of c.steps) assert.deepEqual(drain(wheel, now), want, `at +${now - start} ms`);
    assert.equal(wheel.size, c.wantSize);
  });
}

test('wheel: cancel of a fired or cancelled entry is a harmless no-op', () => {
  const wheel = new TimerWheel<string>(start);
  const fired = wheel.add(start + 1, 'fired');
  const cancelled = wheel.add(start + 2, 'cancelled');
  const kept = wheel.add(start + 3, 'kept');
  assert.equal(wheel.cancel(cancelled), true);
  assert.deepEqual(drain(wheel, start + 1), ['fired']);
  assert.equal(fired.armed, false);
  assert.equal(wheel.cancel(fired), false);
  assert.equal(wheel.cancel(cancelled), false);
  assert.equal(wheel.size, 1);
  assert.equal(kept.armed, true);
  assert.deepEqual(drain(wheel, start + 10), ['kept']);
});

test('wheel: nextDue is exact at level 0 and a lower bound above', () => {
  const wheel = new TimerWheel<string>(start);
  assert.equal(wheel.nextDue(), undefined);
  wheel.add(start + 5 * MINUTE + 17, 'x');
  const bound = wheel.nextDue()!;
  assert.ok(bound <= start + 5 * MINUTE + 17 && bound > start);
  // Following the bounds converges on the exact time with a few cascades.
  let wakeUps = 0;
  for (let due = wheel.nextDue(); due !== undefined && wakeUps < 10; due = wheel.nextDue()) {
    assert.deepEqual(drain(wheel, due), due === start + 5 * MINUTE + 17 ? ['x'] : []);
    wakeUps++;
  }
  assert.ok(wakeUps <= 8, `${wakeUps} wake-ups`);
  assert.equal(wheel.size, 0);
});

test('wheel: entries added while visiting (already due) fire in the same advance', () => {
  const wheel = new TimerWheel<string>(start);
  wheel.add(start + 10, 'a');
  wheel.add(start + 30, 'c');
  const seen: string[] = [];
  wheel.advance(start + 50, (t) => {
    seen.push(t.value);
    if (t.value === 'a') wheel.add(start + 20, 'b');
    if (t.value === 'b') wheel.add(start + 5, 'overdue');
  });
  assert.deepEqual(seen, ['a', 'b', 'overdue', 'c']);
});

test('wheel: a visit may cancel a later entry due in the same advance', () => {
  const wheel = new TimerWheel<string>(start);
  wheel.add(start + 10, 'a');
  const b = wheel.add(start + 20, 'b');
  assert.deepEqual(
    (() => {
      const seen: string[] = [];
      wheel.advance(start + 50, (t) => {
        seen.push(t.value);
        wheel.cancel(b);
      });
      return seen;
    })(),
    ['a'],
  );
});

test('wheel: rejects non-finite and out-of-range due times', () => {
  const wheel = new TimerWheel<string>(start);
  assert.throws(() => wheel.add(Number.POSITIVE_INFINITY, 'x'), RangeError);
  assert.throws(() => wheel.add(Number.NaN, 'x'), RangeError);
  assert.throws(() => wheel.add(MAX_DUE_MS + 1, 'x'), RangeError);
  assert.equal(wheel.size, 0);
});

// A deterministic generator, so a failure can be replayed.
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const randomRuns: { name: string; count: number; spreadMs: number; stepMs: number; seed: number }[] = [
  {
    name: '10k within a minute, 1 ms steps near the end',
    count: 10_000,
    spreadMs: MINUTE,
    stepMs: 7,
    seed: 1,
  },
  { name: '10k within a year, jumping to each next due', count: 10_000, spreadMs: YEAR, stepMs: 0, seed: 2 },
  {
    name: '10k within ten years, big irregular jumps',
    count: 10_000,
    spreadMs: 10 * YEAR,
    stepMs: 3 * DAY,
    seed: 3,
  },
];

for (const r of randomRuns) {
  test(`wheel: ${r.name}: each fires exactly once, in order, never early`, () => {
    const random = lcg(r.seed);
    const wheel = new TimerWheel<number>(start);
    const dues: number[] = [];
    const cancelled = new Set<number>();
    const handles: WheelTimer<number>[] = [];
    for (let i = 0; i < r.count; i++) {
      const due = start + Math.floor(random() * r.spreadMs);
      dues.push(due);
      handles.push(wheel.add(due, i));
    }
    for (let i = 0; i < r.count; i += 10) {
      wheel.cancel(handles[i]!);
      cancelled.add(i);
    }
    const firedCount = new Array(r.count).fill(0);
    let lastDue = Number.NEGATIVE_INFINITY;
    let now = start;
    while (wheel.size > 0) {
      const next = wheel.nextDue()!;
      now = r.stepMs === 0 ? Math.max(now, next) : Math.max(now + 1, next + Math.floor(random() * r.stepMs));
      wheel.advance(now, (t) => {
        assert.ok(t.due <= now, 'never early');
        assert.ok(t.due >= lastDue, 'in due order');
        lastDue = t.due;
        firedCount[t.value]++;
      });
    }
    for (let i = 0; i < r.count; i++) assert.equal(firedCount[i], cancelled.has(i) ? 0 : 1, `entry ${i}`);
  });
}
