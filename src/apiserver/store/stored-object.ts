/**
 * One object as the store keeps it: its JSON text, not the parsed object. A parsed object costs
 * several times its JSON in V8's heap (a hidden class and a hash table per nested object, a heap
 * string per value); the text costs about its length. Reads parse it (`object()`, a fresh copy the
 * caller owns) or serve the text as it is (`json`: a GET, a list or a watch event never parses).
 *
 * Beside the text, only `metadata.labels` is kept parsed, so label selectors on lists and watches
 * do not parse every object. Namespace and name are in the key.
 */
import { isObject } from '../../util/json-values.ts';

export type Labels = Readonly<Record<string, string>>;

export class StoredObject {
  constructor(
    readonly key: string,
    readonly resourceVersion: number,
    /** The object's JSON text, exactly as written to the log. */
    readonly json: string,
    /** metadata.labels (string values only); undefined when there are none. */
    readonly labels: Labels | undefined,
  ) {}

  /** The object, parsed from its text on every call: the caller may change it. */
  object(): Record<string, unknown> {
    return JSON.parse(this.json) as Record<string, unknown>;
  }

  /** From an object about to be stored: serialized once, here. */
  static of(key: string, resourceVersion: number, value: Record<string, unknown>): StoredObject {
    return new StoredObject(key, resourceVersion, JSON.stringify(value), labelsOf(value));
  }

  /** From text already read (recovery): `value` is that text parsed, for the labels. */
  static fromJson(
    key: string,
    resourceVersion: number,
    json: string,
    value: Record<string, unknown>,
  ): StoredObject {
    return new StoredObject(key, resourceVersion, json, labelsOf(value));
  }
}

function labelsOf(value: Record<string, unknown>): Labels | undefined {
  const meta = value.metadata;
  if (!isObject(meta) || !isObject(meta.labels)) return undefined;
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(meta.labels)) {
    if (typeof v !== 'string') continue;
    out ??= {};
    out[k] = v;
  }
  return out && Object.freeze(out);
}
