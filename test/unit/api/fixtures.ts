/** A valid manifest for each job kind, fresh per call, for tests to break one field at a time. */
// biome-ignore lint/suspicious/noExplicitAny: tests set arbitrary paths of untyped manifests
export type Manifest = Record<string, any>;

export function runJob(): Manifest {
  return {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: 'backup', namespace: 'default' },
    spec: { schedule: '0 3 * * *', run: { image: 'alpine:3.20', command: ['echo', 'hi'] } },
  };
}

export function execJob(): Manifest {
  return {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: 'vacuum', namespace: 'default' },
    spec: { schedule: '@daily', exec: { container: 'postgres', command: ['vacuumdb', '--all'] } },
  };
}
