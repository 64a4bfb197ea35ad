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

const randomRuns: {
  name: string;
  count: number;
  spreadMs: number;
  stepMs: number;
  seed: number;
  /** Small K: most slots are "big", so draining ahead and cascading when due interleave. */
  maxMovesPerAdvance?: number;
}[] = [
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
  {
    name: '10k within an hour, K=16, irregular steps',
    count: 10_000,
    spreadMs: HOUR,
    stepMs: 5 * SECOND,
    seed: 4,
    maxMovesPerAdvance: 16,
  },
  {
    name: '10k within a year, K=16, jumping to each next due',
    count: 10_000,
    spreadMs: YEAR,
    stepMs: 0,
    seed: 5,
    maxMovesPerAdvance: 16,
  },
];

for (const r of randomRuns) {
  test(`wheel: ${r.name}: each fires exactly once, in order, never early`, () => {
    const random = lcg(r.seed);
    const wheel = new TimerWheel<number>(start, { maxMovesPerAdvance: r.maxMovesPerAdvance });
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

// ---- bounded work: big slots are drained ahead of time, K moves per advance at most ----------

/** 64^3 ms: one level-3 slot (~262 s). Its boundaries are where the old wheel moved everything. */
const LEVEL3 = 64 ** 3;
/** The first level-3 boundary at least an hour after the start. */
const farBoundary = Math.ceil((start + HOUR) / LEVEL3) * LEVEL3;

interface BoundRun {
  maxMovesInOneAdvance: number;
  advances: number;
  fired: number;
}

/**
 * Advance the wheel the way the driver does (to each `nextDue()`, or `stepMs` at most), checking
 * on every visit: never early, in due order, each armed entry exactly once. `rearm` lets a visit
 * add the entry's next occurrence (as the controller does). Returns the most moves one advance made.
 */
function followNextDue(
  wheel: TimerWheel<number>,
  until: number,
  fired: number[],
  rearm?: (timer: WheelTimer<number>) => void,
): BoundRun {
  let maxMovesInOneAdvance = 0;
  let advances = 0;
  let lastDue = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (let next = wheel.nextDue(); next !== undefined && next <= until; next = wheel.nextDue()) {
    const now = Math.max(next, wheel.time);
    const movesBefore = wheel.moves;
    wheel.advance(now, (t) => {
      assert.ok(t.due <= now, `never early: due ${t.due - start}, now ${now - start}`);
      assert.ok(t.due >= lastDue, 'in due order');
      lastDue = t.due;
      fired[t.value] = (fired[t.value] ?? 0) + 1;
      count++;
      rearm?.(t);
    });
    maxMovesInOneAdvance = Math.max(maxMovesInOneAdvance, wheel.moves - movesBefore);
    advances++;
  }
  return { maxMovesInOneAdvance, advances, fired: count };
}

const boundCases: {
  name: string;
  count: number;
  maxMoves: number;
  due: (i: number, random: () => number) => number;
}[] = [
  {
    name: '100k spread over one far level-3 slot, K=1024',
    count: 100_000,
    maxMoves: 1024,
    due: (_, random) => farBoundary + Math.floor(random() * LEVEL3),
  },
  {
    name: '100k in one far level-3 slot, a quarter of them in its first 4 s, K=1024',
    count: 100_000,
    maxMoves: 1024,
    due: (i, random) => farBoundary + Math.floor(random() * (i % 4 === 0 ? 4096 : LEVEL3)),
  },
  {
    name: '20k spread over one far level-3 slot, K=64',
    count: 20_000,
    maxMoves: 64,
    due: (_, random) => farBoundary + Math.floor(random() * LEVEL3),
  },
  {
    name: '100k spread over a day (levels 3 and 4), K=256',
    count: 100_000,
    maxMoves: 256,
    due: (_, random) => start + 1000 + Math.floor(random() * DAY),
  },
];

for (const c of boundCases) {
  test(`wheel bounded work: ${c.name}: no advance moves more than K, all fire once in order`, () => {
    const random = lcg(7);
    const wheel = new TimerWheel<number>(start, { maxMovesPerAdvance: c.maxMoves });
    const dueMs = new Set<number>();
    for (let i = 0; i < c.count; i++) {
      const due = c.due(i, random);
      dueMs.add(due);
      wheel.add(due, i);
    }
    const fired: number[] = [];
    const run = followNextDue(wheel, MAX_DUE_MS, fired);
    assert.equal(run.fired, c.count);
    assert.equal(wheel.size, 0);
    for (let i = 0; i < c.count; i++) assert.equal(fired[i], 1, `entry ${i}`);
    assert.ok(run.maxMovesInOneAdvance <= c.maxMoves, `${run.maxMovesInOneAdvance} moves in one advance`);
    // Wake-ups: about one per distinct due millisecond and one per slot cascaded when due, plus
    // the drain's, which grow with moves / K, never with elapsed time.
    const wakeUpBound = 2 * dueMs.size + Math.ceil(wheel.moves / (c.maxMoves / 2));
    assert.ok(run.advances <= wakeUpBound, `${run.advances} advances, bound ${wakeUpBound}`);
  });
}

test('wheel bounded work: 100k re-arming every 100 s across a level-3 boundary (the firing bench)', () => {
  const period = 100 * SECOND;
  const count = 100_000;
  // Start 110 s before a boundary, so all 100,000 are re-armed past it before time gets there.
  const from = farBoundary - 110 * SECOND;
  const wheel = new TimerWheel<number>(from);
  const random = lcg(11);
  for (let i = 0; i < count; i++) wheel.add(from + 1 + Math.floor(random() * period), i);
  const fired: number[] = [];
  const run = followNextDue(wheel, farBoundary + 20 * SECOND, fired, (t) =>
    wheel.add(t.due + period, t.value),
  );
  assert.equal(wheel.size, count);
  assert.ok(run.fired >= 129_000, `${run.fired} fired`);
  for (let i = 0; i < count; i++) assert.ok(fired[i] === 1 || fired[i] === 2, `entry ${i}: ${fired[i]}`);
  assert.ok(
    run.maxMovesInOneAdvance <= 1024,
    `${run.maxMovesInOneAdvance} moves in one advance (the old wheel moved ~100,000 at the boundary)`,
  );
});

test('wheel bounded work: nobody advanced in time (a jump over a big slot) still fires everything once, in order', () => {
  const wheel = new TimerWheel<number>(start, { maxMovesPerAdvance: 64 });
  const random = lcg(5);
  const count = 50_000;
  for (let i = 0; i < count; i++) wheel.add(farBoundary + Math.floor(random() * LEVEL3), i);
  let lastDue = Number.NEGATIVE_INFINITY;
  const fired = new Array<number>(count).fill(0);
  const now = farBoundary + LEVEL3 / 2;
  const visited = wheel.advance(now, (t) => {
    assert.ok(t.due <= now && t.due >= lastDue);
    lastDue = t.due;
    fired[t.value]!++;
  });
  assert.ok(visited > 0 && visited < count);
  wheel.advance(farBoundary + LEVEL3, (t) => {
    assert.ok(t.due >= lastDue);
    lastDue = t.due;
    fired[t.value]!++;
  });
  assert.ok(fired.every((n) => n === 1));
  assert.equal(wheel.size, 0);
});

test('wheel bounded work: cancelling entries while their slot is being drained', () => {
  const wheel = new TimerWheel<number>(start, { maxMovesPerAdvance: 64 });
  const random = lcg(9);
  const handles: WheelTimer<number>[] = [];
  for (let i = 0; i < 5_000; i++) handles.push(wheel.add(farBoundary + Math.floor(random() * LEVEL3), i));
  const fired: number[] = [];
  // Follow nextDue until the draining has started, then cancel every third entry.
  let advances = 0;
  for (let next = wheel.nextDue(); next !== undefined && advances < 40; next = wheel.nextDue(), advances++) {
    wheel.advance(next, (t) => fired.push(t.value));
  }
  assert.ok(wheel.moves > 0, 'draining had started');
  for (let i = 0; i < handles.length; i += 3) assert.equal(wheel.cancel(handles[i]!), true);
  const counts: number[] = [];
  followNextDue(wheel, MAX_DUE_MS, counts);
  for (let i = 0; i < handles.length; i++) assert.equal(counts[i] ?? 0, i % 3 === 0 ? 0 : 1, `entry ${i}`);
  assert.deepEqual(fired, []);
});

test('wheel: maxMovesPerAdvance below 16 is rejected', () => {
  assert.throws(() => new TimerWheel<string>(start, { maxMovesPerAdvance: 8 }), RangeError);
  assert.throws(() => new TimerWheel<string>(start, { maxMovesPerAdvance: 100.5 }), RangeError);
});
