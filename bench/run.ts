/**
 * Runs every benchmark in bench/ (files named *.bench.ts), or those whose name contains an argument:
 *   npm run bench                 # all
 *   npm run bench -- wheel        # bench/*wheel*.bench.ts
 *   npm run bench -- scale --jobs=100000   # arguments starting with -- go to the benchmarks
 * Each benchmark is a standalone script that prints its own table and compares against a baseline
 * measured in the same run. They run one after another, each in its own process, so that one
 * benchmark's heap does not colour the next one's figures.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passed = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file), ...passed], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
if (files.length === 0) console.log('no benchmark matched');
process.exit(failed === 0 ? 0 : 1);
