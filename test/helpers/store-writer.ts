/**
 * A child process for the store durability test: opens a WalObjectStore in DIR and writes puts
 * with CONCURRENCY writers until killed (or COUNT puts are done), printing `acked KEY RV` for each
 * write as soon as its promise resolves (stdout is a pipe: synchronous on Linux, so a printed line
 * was acknowledged before any later kill).
 *
 *   node --import tsx test/helpers/store-writer.ts DIR COUNT CONCURRENCY SNAPSHOT_EVERY
 */
import { WalObjectStore } from '../../src/apiserver/index.ts';

const [dir, countArg = '100000', concurrencyArg = '16', snapshotEveryArg = '200'] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: store-writer.ts DIR [COUNT] [CONCURRENCY] [SNAPSHOT_EVERY]\n');
  process.exit(2);
}
const count = Number(countArg);
const store = new WalObjectStore({ dir, snapshotEvery: Number(snapshotEveryArg) });
const report = await store.open();
process.stdout.write(`opened ${report.resourceVersion}\n`);
let next = 0;
async function writer(): Promise<void> {
  while (next < count) {
    const key = `jobs/crash/${next++}`;
    const stored = await store.put(key, (rv) => ({
      metadata: { name: key, resourceVersion: String(rv) },
      pad: 'x'.repeat(500),
    }));
    process.stdout.write(`acked ${key} ${stored.resourceVersion}\n`);
  }
}
await Promise.all(Array.from({ length: Number(concurrencyArg) }, writer));
await store.close();
process.stdout.write('done\n');
