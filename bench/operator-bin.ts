/**
 * How the benches start the operator: as the installed command does, `node <flags> bin/ofelia-operator.js`,
 * the flags taken from the bin's own `#!/usr/bin/env -S node ...` line (the Dockerfile's
 * ENTRYPOINT and `npm start` carry the same; test/unit/operator/node-flags.test.ts checks it), so a
 * figure is the one a user gets.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const OPERATOR_BIN = fileURLToPath(new URL('../bin/ofelia-operator.js', import.meta.url));

/** The node flags of the bin's shebang line (empty for a plain `#!/usr/bin/env node`). */
export function shebangNodeFlags(firstLine: string): string[] {
  const words = firstLine
    .replace(/^#!\s*/, '')
    .split(/\s+/)
    .filter(Boolean);
  const node = words.indexOf('node');
  return node === -1 ? [] : words.slice(node + 1);
}

export const OPERATOR_NODE_FLAGS: readonly string[] = shebangNodeFlags(
  readFileSync(OPERATOR_BIN, 'utf8').split('\n', 1)[0] ?? '',
);
