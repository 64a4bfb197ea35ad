/**
 * The layer order of src/: a folder may import from folders of a LOWER layer only (and from
 * itself). This keeps generic machinery apart from the job domain, adapters below the controller,
 * and the composition root (operator) and commands (cli) on top. A new folder must be given a
 * layer here; an import against the order fails with the file, the import and both layers.
 * Type-only imports count too: a type import against the order is still a dependency.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Lowest first. Folders in one layer may not import each other. */
const LAYERS: string[][] = [
  ['util', 'log'],
  ['schedule', 'wheel'],
  ['api'],
  ['metrics', 'import'],
  ['machinery', 'docker', 'http'],
  ['config', 'runner'],
  ['kube', 'apiserver', 'output'],
  // The in-process client adapts the embedded API server to the kube adapters' interfaces.
  ['cluster', 'in-process-client'],
  ['controller', 'labels', 'dashboard', 'kubectl-plugin'],
  // Notifications hear the controller's run events and write through kube adapters.
  ['notify'],
  ['operator'],
  ['cli'],
  // Files directly in src/ (main.ts, version.ts) are placed by name below.
];

/** Top-level files: version.ts is a leaf anyone may read; main.ts is the entry point. */
const ROOT_FILES: Record<string, number> = { 'version.ts': 0, 'main.ts': LAYERS.length };

function layerOf(path: string): { name: string; rank: number } {
  const rel = relative(src, path);
  const parts = rel.split('/');
  if (parts.length === 1) {
    const rank = ROOT_FILES[parts[0]!];
    assert.ok(
      rank !== undefined,
      `src/${rel} has no layer: add it to ROOT_FILES in ${relative(process.cwd(), fileURLToPath(import.meta.url))}`,
    );
    return { name: parts[0]!, rank };
  }
  const folder = parts[0]!;
  const rank = LAYERS.findIndex((l) => l.includes(folder));
  assert.ok(
    rank >= 0,
    `src/${folder}/ has no layer: add it to LAYERS in test/unit/architecture/layers.test.ts`,
  );
  return { name: folder, rank };
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return entry.endsWith('.ts') ? [path] : [];
  });
}

/** Relative specifiers of static imports/exports and dynamic imports. */
export function relativeImports(source: string): string[] {
  const found: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;
  for (let m = re.exec(source); m; m = re.exec(source)) found.push((m[1] ?? m[2])!);
  return found;
}

test('relativeImports finds static, type-only, re-export and dynamic imports', () => {
  const code = [
    "import { a } from './a.ts';",
    "import type { B } from '../b/b.ts';",
    "export { c } from './c.ts';",
    "const d = await import('../d/d.ts');",
    "import {\n  e,\n  f,\n} from '../e/e.ts';",
    "import x from 'node:fs';",
  ].join('\n');
  assert.deepEqual(
    relativeImports(code),
    ['./a.ts', '../b/b.ts', './c.ts', '../e/e.ts', '../d/d.ts'].sort(
      (p, q) => code.indexOf(p) - code.indexOf(q),
    ),
  );
});

test('every import in src/ points to a lower layer', () => {
  const violations: string[] = [];
  const files = tsFiles(src);
  assert.ok(files.length > 100, 'src/ was found');
  for (const file of files) {
    const from = layerOf(file);
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      const to = layerOf(target);
      if (to.name === from.name) continue;
      if (to.rank >= from.rank)
        violations.push(
          `src/${relative(src, file)} imports ${spec}: ${from.name} (layer ${from.rank}) may not depend on ${to.name} (layer ${to.rank})`,
        );
    }
  }
  assert.deepEqual(violations, [], violations.join('\n'));
});

/** Folders whose only entry point from the rest of src/ is their index.ts. */
const SINGLE_ENTRY = ['apiserver'];

test('folders with a single entry point are imported through their index.ts only', () => {
  const violations: string[] = [];
  for (const file of tsFiles(src)) {
    const from = relative(src, file).split('/')[0];
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = relative(src, resolve(dirname(file), spec));
      const [folder, ...rest] = target.split('/');
      if (!folder || folder === from || !SINGLE_ENTRY.includes(folder)) continue;
      if (rest.join('/') !== 'index.ts')
        violations.push(`src/${relative(src, file)} imports ${spec}: use src/${folder}/index.ts`);
    }
  }
  assert.deepEqual(violations, [], violations.join('\n'));
});
