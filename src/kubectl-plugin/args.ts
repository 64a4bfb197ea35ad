/**
 * Command line of `kubectl sdj`: the command, the job name and flags, in any order, as kubectl
 * users type them. Pure: returns the parsed command or a one-line error with the flag at fault.
 */

export const COMMANDS = ['run', 'logs', 'history', 'next', 'suspend', 'resume'] as const;
export type Command = (typeof COMMANDS)[number];

export interface PluginArgs {
  command: Command;
  name: string | undefined;
  namespace: string | undefined;
  allNamespaces: boolean;
  context: string | undefined;
  kubeconfig: string | undefined;
  dashboard: string | undefined;
  wait: boolean;
  timeoutMs: number;
  run: string | undefined;
  previous: boolean;
  follow: boolean;
  timestamps: boolean;
}

export type ParseResult = { ok: true; args: PluginArgs } | { ok: false; error: string } | { ok: 'help' };

const VALUE_FLAGS: Record<string, keyof PluginArgs> = {
  '-n': 'namespace',
  '--namespace': 'namespace',
  '--context': 'context',
  '--kubeconfig': 'kubeconfig',
  '--dashboard': 'dashboard',
  '--run': 'run',
  '--timeout': 'timeoutMs',
};
const BOOL_FLAGS: Record<string, keyof PluginArgs> = {
  '-A': 'allNamespaces',
  '--all-namespaces': 'allNamespaces',
  '--wait': 'wait',
  '-w': 'wait',
  '--previous': 'previous',
  '-p': 'previous',
  '-f': 'follow',
  '--follow': 'follow',
  '--timestamps': 'timestamps',
};

/** `90s`, `10m`, `1h`, or plain seconds. */
function parseTimeout(v: string): number | undefined {
  const m = /^(\d+)(s|m|h)?$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'h' ? 3600_000 : m[2] === 'm' ? 60_000 : 1000);
}

export function parseArgs(argv: readonly string[]): ParseResult {
  const a: Partial<PluginArgs> & { positional: string[] } = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    if (arg === '-h' || arg === '--help' || arg === 'help') return { ok: 'help' };
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const valueKey = VALUE_FLAGS[arg];
    if (valueKey) {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') return { ok: false, error: `${arg}: needs a value` };
      if (valueKey === 'timeoutMs') {
        const ms = parseTimeout(v);
        if (ms === undefined)
          return { ok: false, error: `${arg}: expected a duration such as 90s, 10m or 1h, got "${v}"` };
        a.timeoutMs = ms;
      } else (a as Record<string, unknown>)[valueKey] = v;
      continue;
    }
    const boolKey = BOOL_FLAGS[arg];
    if (boolKey) {
      (a as Record<string, unknown>)[boolKey] = true;
      continue;
    }
    if (arg.startsWith('-')) return { ok: false, error: `unknown flag ${arg}` };
    a.positional.push(arg);
  }
  const [command, name, ...rest] = a.positional;
  if (!command) return { ok: 'help' };
  if (!(COMMANDS as readonly string[]).includes(command))
    return { ok: false, error: `unknown command "${command}" (one of ${COMMANDS.join(', ')})` };
  if (rest.length > 0) return { ok: false, error: `unexpected argument "${rest[0]}"` };
  if (command !== 'next' && !name) return { ok: false, error: `${command}: the job NAME is required` };
  if (command === 'next' && name) return { ok: false, error: 'next: takes no NAME (use -n or -A)' };
  if (a.run !== undefined && a.previous) return { ok: false, error: '--run and --previous: choose one' };
  return {
    ok: true,
    args: {
      command: command as Command,
      name,
      namespace: a.namespace,
      allNamespaces: a.allNamespaces ?? false,
      context: a.context,
      kubeconfig: a.kubeconfig,
      dashboard: a.dashboard,
      wait: a.wait ?? false,
      timeoutMs: a.timeoutMs ?? 10 * 60_000,
      run: a.run,
      previous: a.previous ?? false,
      follow: a.follow ?? false,
      timestamps: a.timestamps ?? false,
    },
  };
}

export const HELP = `kubectl sdj: ScheduledDockerJobs from the terminal

Usage:
  kubectl sdj run NAME [--wait] [--timeout 10m]   run now (the ofelia.dev/run-now annotation);
                                                  --wait prints the result and exits with the run's exit code
  kubectl sdj logs NAME [--run N | --previous] [-f] [--timestamps]
                                                  full output of a run (default: the newest); N is a run
                                                  name or its number in 'history'; -f follows a running run
  kubectl sdj history NAME                        recent runs, newest first
  kubectl sdj next [-A]                           the next runs of all jobs, in time order
  kubectl sdj suspend|resume NAME                 set spec.suspend

Flags as kubectl: -n/--namespace, -A/--all-namespaces, --context, --kubeconfig (else KUBECONFIG, ~/.kube/config).
Output is read from the operator's dashboard API: --dashboard URL (else OFELIA_DASHBOARD_URL, else
http://127.0.0.1:8081), with the kubeconfig user's token.
`;
