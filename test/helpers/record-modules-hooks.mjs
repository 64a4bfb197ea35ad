// Module hooks (node:module register) that record every module URL resolved or loaded, appended
// to one file: a test reads it to tell which packages a process loaded. Both hooks record, so a
// module is seen even when a later hook (tsx's) resolves it without calling the next one.
import { appendFileSync } from 'node:fs';

let file = '';

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
