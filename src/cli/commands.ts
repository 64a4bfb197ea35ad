/**
 * The command table: one line per subcommand. Each module is loaded only when its command runs,
 * so that `ofelia-operator version` does not load the API server or Docker.
 * A command module exports `main(argv): Promise<number>` (the exit code) and prints its own
 * `--help`.
 */
export interface Command {
  summary: string;
  load(): Promise<{ main(argv: string[]): Promise<number> }>;
}

export const commands: Record<string, Command> = {
  version: { summary: 'Print the version', load: () => import('./version.ts') },
  run: {
    summary: 'Run the operator (embedded API server unless --kubeconfig/--in-cluster)',
    load: () => import('./run.ts'),
  },
  apiserver: {
    summary: 'Run the embedded Kubernetes-compatible API server',
    load: () => import('./apiserver.ts'),
  },
  token: { summary: 'Create, list or revoke API server tokens', load: () => import('./token.ts') },
  'run-once': {
    summary: 'Run one job once, now, on the local Docker daemon',
    load: () => import('./run-once.ts'),
  },
  validate: { summary: 'Check ScheduledDockerJob manifests offline', load: () => import('./validate.ts') },
  crd: { summary: 'Print the ScheduledDockerJob CRD', load: () => import('./crd.ts') },
  import: {
    summary: 'Translate an Ofelia configuration (INI files or Docker labels) into ScheduledDockerJobs',
    load: () => import('./import.ts'),
  },
};
