import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BudgetSocket, ConnectionBudget } from '../../../src/http/connection-budget.ts';

class FakeSocket implements BudgetSocket {
  destroyed = false;
  private onClose: (() => void) | undefined;
  constructor(readonly name: string) {}
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.onClose?.();
  }
  once(_event: 'close', listener: () => void): this {
    this.onClose = listener;
    return this;
  }
}

test('within the bound every connection is admitted', () => {
  const b = new ConnectionBudget<FakeSocket>(2);
  assert.equal(b.admit(new FakeSocket('a')), true);
  assert.equal(b.admit(new FakeSocket('b')), true);
  assert.equal(b.size, 2);
});

test('past the bound the connection idle the longest gives way', () => {
  const b = new ConnectionBudget<FakeSocket>(2);
  const a = new FakeSocket('a');
  const c = new FakeSocket('c');
  const d = new FakeSocket('d');
  b.admit(a);
  b.admit(c);
  // a served a request after c connected: c is now the longest idle.
  b.requestStarted(a);
  b.requestEnded(a);
  assert.equal(b.admit(d), true);
  assert.equal(c.destroyed, true);
  assert.equal(a.destroyed, false);
  assert.equal(b.size, 2);
});

test('busy connections are never evicted: when all are busy the new one is refused', () => {
  const b = new ConnectionBudget<FakeSocket>(2);
  const a = new FakeSocket('a');
  const c = new FakeSocket('c');
  b.admit(a);
  b.admit(c);
  b.requestStarted(a);
  b.requestStarted(c);
  const late = new FakeSocket('late');
  assert.equal(b.admit(late), false);
  assert.equal(late.destroyed, true);
  assert.equal(a.destroyed || c.destroyed, false);
  b.requestEnded(c);
  assert.equal(b.admit(new FakeSocket('next')), true);
  assert.equal(c.destroyed, true);
});

test('a closed socket frees its slot', () => {
  const b = new ConnectionBudget<FakeSocket>(1);
  const a = new FakeSocket('a');
  b.admit(a);
  b.requestStarted(a);
  a.destroy();
  assert.equal(b.size, 0);
  assert.equal(b.admit(new FakeSocket('b')), true);
});
