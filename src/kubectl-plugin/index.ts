/**
 * `kubectl sdj` (issue 13): ScheduledDockerJobs from the terminal — run now (and wait for the
 * exit code), full logs of recent runs (following a running one), history, the next runs of all
 * jobs in time order, suspend/resume. Talks to the API server as kubectl does (kubeconfig,
 * context, namespace) and reads output through the operator's output API (the dashboard's), with
 * the same user's token. In: argv and the environment. Out: an exit code; text on stdout/stderr.
 * Reference: docs/kubectl-plugin.md.
 */
import { HELP, parseArgs } from './args.ts';
import { runCommand } from './commands.ts';
import { connect, PluginError } from './plugin-kube.ts';

export async function pluginMain(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const io = {
    out: (t: string) => process.stdout.write(t),
    err: (t: string) => process.stderr.write(t),
    now: () => Date.now(),
  };
  const parsed = parseArgs(argv);
  if (parsed.ok === 'help') {
    io.out(HELP);
    return 0;
  }
  if (!parsed.ok) {
    io.err(`error: ${parsed.error}\n`);
    return 2;
  }
  try {
    const kube = await connect({ ...parsed.args, env });
    return await runCommand(parsed.args, kube, io);
  } catch (e) {
    if (e instanceof PluginError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
