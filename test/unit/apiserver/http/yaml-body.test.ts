import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlBody } from '../../../../src/apiserver/http/yaml-body.ts';

const cases: { name: string; text: string; want: unknown | { error: RegExp } }[] = [
  { name: 'a map', text: 'a: 1\nb: [x, y]\n', want: { a: 1, b: ['x', 'y'] } },
  {
    name: 'the same key in different maps',
    text: 'a: {k: 1}\nb: {k: 2}\n',
    want: { a: { k: 1 }, b: { k: 2 } },
  },
  { name: 'a repeated top-level key', text: 'a: 1\nb: 2\na: 3\n', want: { error: /"a" is repeated/ } },
  {
    name: 'a repeated nested key',
    text: 'spec:\n  x: 1\n  y: 2\n  x: 1\n',
    want: { error: /"x" is repeated/ },
  },
  { name: 'keys equal only as text', text: '1: a\n"1": b\n', want: { error: /"1" is repeated/ } },
  {
    name: 'a repeated key in a map inside a list',
    text: '- {a: 1, a: 2}\n',
    want: { error: /"a" is repeated/ },
  },
  { name: 'aliases are expanded', text: 'a: &x [1]\nb: *x\n', want: { a: [1], b: [1] } },
  { name: 'a syntax error', text: 'a: [1\n', want: { error: /./ } },
];
for (const c of cases) {
  test(`YAML body: ${c.name}`, () => {
    if (c.want && typeof c.want === 'object' && 'error' in c.want) {
      const re = (c.want as { error: RegExp }).error;
      assert.throws(
        () => parseYamlBody(c.text),
        (e) => e instanceof Error && re.test(e.message),
      );
    } else assert.deepEqual(parseYamlBody(c.text), c.want);
  });
}

test('YAML body: a map of 20,000 keys with one repeated at the end is refused', () => {
  let text = '';
  for (let i = 0; i < 20_000; i++) text += `k${i}: v\n`;
  assert.equal(Object.keys(parseYamlBody(text) as object).length, 20_000);
  assert.throws(() => parseYamlBody(`${text}k0: again\n`), /"k0" is repeated/);
});

test('YAML body: an alias bomb is refused', () => {
  const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]'];
  for (let i = 1; i < 8; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    bomb.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
  }
  assert.throws(() => parseYamlBody(bomb.join('\n')), /alias/i);
});
