/**
 * Unknown-field detection, as an API server does for `fieldValidation=Strict|Warn`: the dotted
 * paths of fields the schema does not know ('spec.bogus', 'spec.run.env[2].valu'). It walks the
 * input against the same structural schema the CRD publishes; metadata is checked against the keys
 * of Kubernetes' ObjectMeta only (labels and annotations are free maps). Never throws; the list is
 * bounded.
 */
import { isObject } from '../util/json-values.ts';
import { openApiSchema } from './crd.ts';

type Node = Record<string, unknown>;

/** The fields of metav1.ObjectMeta: anything else under metadata is unknown. */
const OBJECT_META_KEYS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** Most paths reported for one object. */
export const MAX_UNKNOWN_FIELDS = 100;
/** Deepest nesting walked (the schema is far shallower; deeper input is all unknown anyway). */
const MAX_DEPTH = 32;

let cachedSchema: Node | undefined;

/** Dotted paths (sorted) of fields the schema (default: ScheduledDockerJob's) does not know; metadata is free-form except known ObjectMeta keys. */
export function findUnknownFields(input: unknown, schema?: Record<string, unknown>): string[] {
  cachedSchema ??= openApiSchema() as Node;
  const found: string[] = [];
  if (!isObject(input)) return found;
  const rootProps = ((schema ?? cachedSchema).properties ?? {}) as Node;
  for (const [key, value] of Object.entries(input)) {
    if (found.length >= MAX_UNKNOWN_FIELDS) break;
    if (key === 'metadata') {
      if (isObject(value)) {
        for (const metaKey of Object.keys(value)) {
          if (!OBJECT_META_KEYS.has(metaKey)) push(found, `metadata.${metaKey}`);
        }
      }
    } else if (Object.hasOwn(rootProps, key)) {
      walk(value, rootProps[key] as Node, key, found, 1);
    } else {
      push(found, key);
    }
  }
  return found.sort();
}

function walk(value: unknown, schema: Node, path: string, found: string[], depth: number): void {
  if (depth > MAX_DEPTH || found.length >= MAX_UNKNOWN_FIELDS) return;
  if (Array.isArray(value)) {
    const items = schema.items as Node | undefined;
    if (!items) return;
    value.forEach((item, i) => {
      walk(item, items, `${path}[${i}]`, found, depth + 1);
    });
    return;
  }
  if (!isObject(value)) return;
  const properties = schema.properties as Node | undefined;
  const additional = schema.additionalProperties as Node | undefined;
  for (const [key, child] of Object.entries(value)) {
    if (properties && Object.hasOwn(properties, key))
      walk(child, properties[key] as Node, `${path}.${key}`, found, depth + 1);
    else if (additional) walk(child, additional, `${path}.${key}`, found, depth + 1);
    else if (properties) push(found, `${path}.${key}`);
  }
}

function push(found: string[], path: string): void {
  if (found.length < MAX_UNKNOWN_FIELDS) found.push(path);
}
