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

// A time budget per benchmark (CI sets one so that a benchmark slowed by a loaded machine cannot
// eat the run's time); none by default.
const budgetSeconds = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 0);
// And one for all of them together: the benchmarks left when it is used up are listed, not run.
const totalSeconds = Number(process.env.BENCH_TOTAL_SECONDS ?? 0);
const allBegan = Date.now();
let failed = 0;
for (const file of files) {
  if (totalSeconds > 0 && Date.now() - allBegan > totalSeconds * 1000) {
    console.log(`\n## ${file}\n\nnot run: the total budget of ${totalSeconds} s is used up`);
    failed++;
    continue;
  }
  console.log(`\n## ${file}\n`);
  const began = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file), ...passed], {
    stdio: 'inherit',
    ...(budgetSeconds > 0 ? { timeout: budgetSeconds * 1000, killSignal: 'SIGKILL' as const } : {}),
  });
  const seconds = Math.round((Date.now() - began) / 1000);
  if (r.error || r.status !== 0) {
    failed++;
    console.log(
      `\n${file}: ${r.error ? `stopped after ${seconds} s (budget ${budgetSeconds} s)` : `exit ${r.status}`}`,
    );
  } else console.log(`\n(${file}: ${seconds} s)`);
}
if (files.length === 0) console.log('no benchmark matched');
process.exit(failed === 0 ? 0 : 1);
