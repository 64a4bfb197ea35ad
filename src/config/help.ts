/** `ofelia-operator run --help`, rendered from the flag table. */
import { FLAG_GROUPS, FLAGS, type FlagSpec } from './flags.ts';

function usageOf(f: FlagSpec): string {
  return f.kind === 'boolean' ? `--${f.name}` : `--${f.name} ${f.valueName ?? 'VALUE'}`;
}

function wrap(textLine: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of textLine.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out.map((l) => indent + l);
}

export function runHelp(): string {
  const lines = [
    'Usage: ofelia-operator run [flags]',
    '',
    'Run the operator. With neither --kubeconfig nor --in-cluster it runs in embedded mode: it starts',
    'its own Kubernetes-compatible API server and writes a kubeconfig for kubectl.',
    'Every flag can also be set by the environment variable shown; a flag wins over its variable.',
  ];
  for (const group of FLAG_GROUPS) {
    lines.push('', `${group}:`);
    for (const f of FLAGS.filter((x) => x.group === group)) {
      lines.push(`  ${usageOf(f)}`);
      lines.push(...wrap(f.help, 92, '      '));
      const meta = [`env ${f.env.join(', ')}`];
      if (f.default !== '') meta.push(`default ${f.default}`);
      lines.push(`      [${meta.join('; ')}]`);
    }
  }
  lines.push('', '  -h, --help', '      Print this help.', '');
  return lines.join('\n');
}
