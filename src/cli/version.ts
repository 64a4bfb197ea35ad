import { operatorVersion } from '../version.ts';

export const usage =
  'Usage: ofelia-operator version\n\nPrint the operator version and the API version it serves.\n';

/** Whether this process runs the compiled build (dist/*.js) or the TypeScript sources (tsx). */
export function runningFrom(): 'compiled' | 'sources' {
  return import.meta.url.endsWith('.js') ? 'compiled' : 'sources';
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  process.stdout.write(
    `ofelia-operator ${operatorVersion()} (ofelia.dev/v1alpha1, node ${process.version}, ${runningFrom()})\n`,
  );
  return 0;
}
