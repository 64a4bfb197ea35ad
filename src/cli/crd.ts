/**
 * `ofelia-operator crd [-o yaml|json]`: prints the ScheduledDockerJob CustomResourceDefinition
 * (generated from the schema), ready for `kubectl apply -f -`.
 */
import { parseArgs } from 'node:util';
import { buildCrd, renderCrdYaml } from '../api/crd.ts';
import { usageError } from './validate.ts';

export const usage = `Usage: ofelia-operator crd [-o yaml|json]

Print the ScheduledDockerJob CustomResourceDefinition, e.g.:
  ofelia-operator crd | kubectl apply -f -

Flags:
  -o, --output FMT    yaml (default) or json
  -h, --help          show this help
`;

export async function main(argv: string[]): Promise<number> {
  let values: { output?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`ofelia-operator crd: ${usageError(e)}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const output = values.output ?? 'yaml';
  if (output !== 'yaml' && output !== 'json') {
    process.stderr.write(`ofelia-operator crd: --output must be yaml or json (got "${output}")\n`);
    return 2;
  }
  process.stdout.write(output === 'json' ? `${JSON.stringify(buildCrd(), null, 2)}\n` : renderCrdYaml());
  return 0;
}
