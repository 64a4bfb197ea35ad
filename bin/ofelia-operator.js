#!/usr/bin/env -S node --max-semi-space-size=4
// The flag: V8's young generation at most 3 x 4 MB instead of growing to 3 x 16 MB under the load
// of creating thousands of jobs and staying there (docs/performance.md, sixth round). The
// Dockerfile's ENTRYPOINT and `npm start` pass the same flag.
// Entry point of the installed command and of the image: runs the compiled JavaScript in dist/
// (`npm run build`: tsc, one .js per source module). A source checkout that was never built runs
// the TypeScript sources through tsx instead, and OFELIA_FROM_SOURCES=1 forces that (development:
// no build step between an edit and a run). `ofelia-operator version` says which one runs.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
if (process.env.OFELIA_FROM_SOURCES !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
