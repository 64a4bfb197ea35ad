/** core/v1 Event: what the operator records about jobs and runs; field selectors on involvedObject.*, reason, type, source. */
import { admitWith, base, int, objectSchema, str } from './builtin-kind.ts';
import { evalJsonPath, formatAge } from './column-values.ts';
import type { KubeObject, ResourceKind } from './kind.ts';

function involved(o: KubeObject, f: string): string | undefined {
  const v = evalJsonPath(o, `.involvedObject.${f}`);
  return v === undefined ? undefined : String(v);
}

export function eventKind(): ResourceKind {
  const lastSeen = (o: KubeObject, now: number) =>
    formatAge(
      o.lastTimestamp ?? o.eventTime ?? o.firstTimestamp ?? evalJsonPath(o, '.metadata.creationTimestamp'),
      now,
    );
  return base('', 'v1', 'Event', 'events', true, {
    shortNames: ['ev'],
    nameColumnWide: true,
    columns: [
      { name: 'Last Seen', type: 'string', description: 'Time of the latest occurrence.', cell: lastSeen },
      { name: 'Type', type: 'string', jsonPath: '.type', description: 'Normal or Warning.' },
      { name: 'Reason', type: 'string', jsonPath: '.reason', description: 'Why the event happened.' },
      {
        name: 'Object',
        type: 'string',
        description: 'The object the event is about.',
        cell: (o) => `${(involved(o, 'kind') ?? '').toLowerCase()}/${involved(o, 'name') ?? ''}`,
      },
      { name: 'Count', type: 'integer', jsonPath: '.count', description: 'Occurrences.', priority: 1 },
      { name: 'Message', type: 'string', jsonPath: '.message', description: 'Human-readable description.' },
    ],
    fieldLabels: {
      'involvedObject.kind': (o) => involved(o, 'kind'),
      'involvedObject.namespace': (o) => involved(o, 'namespace'),
      'involvedObject.name': (o) => involved(o, 'name'),
      'involvedObject.uid': (o) => involved(o, 'uid'),
      'involvedObject.apiVersion': (o) => involved(o, 'apiVersion'),
      'involvedObject.resourceVersion': (o) => involved(o, 'resourceVersion'),
      'involvedObject.fieldPath': (o) => involved(o, 'fieldPath'),
      reason: (o) => o.reason as string | undefined,
      type: (o) => o.type as string | undefined,
      source: (o) => evalJsonPath(o, '.source.component') as string | undefined,
    },
    admit: admitWith({
      involvedObject: 'object',
      reason: 'string',
      message: 'string',
      type: 'string',
      count: 'integer',
      firstTimestamp: 'string',
      lastTimestamp: 'string',
    }),
    openApiSchema: objectSchema('Event is a report of an event somewhere in the cluster.', {
      involvedObject: {
        type: 'object',
        properties: {
          kind: str('Kind'),
          namespace: str('Namespace'),
          name: str('Name'),
          uid: str('UID'),
          apiVersion: str('API version'),
        },
      },
      reason: str('Short, machine understandable reason (CamelCase).'),
      message: str('Human-readable description.'),
      type: str('Normal or Warning.'),
      count: int('Number of occurrences.'),
      firstTimestamp: str('First occurrence.'),
      lastTimestamp: str('Latest occurrence.'),
      source: { type: 'object', properties: { component: str('Component'), host: str('Host') } },
    }),
  });
}
