/**
 * The operator's version, read once from the package's own package.json (the one source of the
 * version number for `ofelia-operator version`, the build-info metric and the User-Agent).
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function operatorVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return cached;
}
