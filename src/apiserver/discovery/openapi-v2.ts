/**
 * OpenAPI v2 for older clients: kubectl up to 1.26 reads `/openapi/v2` (as gnostic's protobuf) for
 * `kubectl explain` and client-side validation, and finds a resource's schema by the
 * `x-kubernetes-group-version-kind` extension on its definition — without it kubectl 1.20 says
 * "couldn't find resource". The definitions are the v3 schemas (openapi.ts) in v2 form:
 * `#/definitions/` references, metadata as a direct reference to ObjectMeta, v3-only keywords
 * (x-kubernetes-validations) left out. No paths: no client reads them from v2.
 *
 * Protobuf: the `openapi.v2.Document` message of google/gnostic's OpenAPIv2.proto, encoded by hand
 * for the few fields used (the field numbers are noted at each use). Pure: a registry in, bytes or
 * JSON out, the same document either way.
 */
import type { ResourceKind } from '../kinds/kind.ts';
import type { KindRegistry } from '../kinds/kind-registry.ts';
import { metaSchemas, OBJECT_META, schemaName } from './openapi.ts';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = Record<string, unknown>;

const V3_ONLY = new Set(['x-kubernetes-validations', 'nullable', 'anyOf', 'oneOf', 'not']);

/** A v3 schema in v2 form: references rewritten, v3-only keywords dropped. */
function toV2(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV2);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (V3_ONLY.has(k)) continue;
    if (k === '$ref' && typeof v === 'string')
      out.$ref = v.replace('#/components/schemas/', '#/definitions/');
    else if (k === 'properties' && v && typeof v === 'object')
      out.properties = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, toV2(p)]));
    else if (k === 'enum' || k === 'default' || k === 'example') out[k] = v;
    else out[k] = toV2(v);
  }
  return out;
}

function kindDefinition(k: ResourceKind): Json {
  const schema = toV2(k.openApiSchema()) as Json;
  const properties = { ...((schema.properties ?? {}) as Json) };
  properties.metadata = { $ref: `#/definitions/${OBJECT_META}`, description: "Standard object's metadata." };
  return {
    ...schema,
    properties,
    'x-kubernetes-group-version-kind': [{ group: k.group, kind: k.kind, version: k.version }],
  };
}

/** The Swagger 2.0 document (JSON form). */
export function openApiV2Document(registry: KindRegistry): Json {
  const definitions: Json = {};
  for (const [name, schema] of Object.entries(metaSchemas())) definitions[name] = toV2(schema);
  for (const k of registry.kinds) definitions[schemaName(k)] = kindDefinition(k);
  return {
    swagger: '2.0',
    info: { title: 'ofelia-operator embedded API server', version: 'v1.32.0' },
    paths: {},
    definitions,
  };
}

/** The same document as gnostic's `openapi.v2.Document` protobuf. */
export function encodeOpenApiV2(doc: Json): Buffer {
  const w = new ProtoWriter();
  w.string(1, String(doc.swagger)); // swagger
  const info = doc.info as Json;
  w.message(2, (m) => {
    m.string(1, String(info.title)); // Info.title
    m.string(2, String(info.version)); // Info.version
  });
  w.message(8, () => undefined); // paths (empty)
  w.message(9, (m) => {
    // Definitions.additional_properties: repeated NamedSchema {name = 1, value = 2}
    for (const [name, schema] of Object.entries(doc.definitions as Json))
      m.message(1, (named) => {
        named.string(1, name);
        named.message(2, (s) => writeSchema(s, schema as Json));
      });
  });
  return w.finish();
}

/** openapi.v2.Schema: the fields a structural schema uses. */
function writeSchema(w: ProtoWriter, s: Json): void {
  if (typeof s.$ref === 'string') w.string(1, s.$ref); // _ref
  if (typeof s.format === 'string') w.string(2, s.format);
  if (typeof s.title === 'string') w.string(3, s.title);
  if (typeof s.description === 'string') w.string(4, s.description);
  if (s.default !== undefined) w.message(5, (a) => writeAny(a, s.default)); // default
  if (typeof s.maximum === 'number') w.double(7, s.maximum);
  if (s.exclusiveMaximum === true) w.bool(8, true);
  if (typeof s.minimum === 'number') w.double(9, s.minimum);
  if (s.exclusiveMinimum === true) w.bool(10, true);
  if (typeof s.maxLength === 'number') w.int(11, s.maxLength);
  if (typeof s.minLength === 'number') w.int(12, s.minLength);
  if (typeof s.pattern === 'string') w.string(13, s.pattern);
  if (typeof s.maxItems === 'number') w.int(14, s.maxItems);
  if (typeof s.minItems === 'number') w.int(15, s.minItems);
  if (s.uniqueItems === true) w.bool(16, true);
  if (typeof s.maxProperties === 'number') w.int(17, s.maxProperties);
  if (typeof s.minProperties === 'number') w.int(18, s.minProperties);
  if (Array.isArray(s.required)) for (const r of s.required) w.string(19, String(r));
  if (Array.isArray(s.enum)) for (const e of s.enum) w.message(20, (a) => writeAny(a, e));
  const additional = s.additionalProperties;
  if (typeof additional === 'boolean')
    w.message(21, (a) => a.bool(2, additional)); // oneof boolean
  else if (additional && typeof additional === 'object')
    w.message(21, (a) => a.message(1, (schema) => writeSchema(schema, additional as Json))); // oneof schema
  if (typeof s.type === 'string') w.message(22, (t) => t.string(1, s.type as string)); // TypeItem.value
  const items = s.items;
  if (items && typeof items === 'object' && !Array.isArray(items))
    w.message(23, (i) => i.message(1, (schema) => writeSchema(schema, items as Json))); // ItemsItem.schema
  if (Array.isArray(s.allOf)) for (const a of s.allOf) w.message(24, (m) => writeSchema(m, a as Json));
  const properties = s.properties;
  if (properties && typeof properties === 'object')
    w.message(25, (p) => {
      // Properties.additional_properties: repeated NamedSchema
      for (const [name, schema] of Object.entries(properties))
        p.message(1, (named) => {
          named.string(1, name);
          named.message(2, (m) => writeSchema(m, schema as Json));
        });
    });
  if (s.readOnly === true) w.bool(27, true);
  for (const [name, value] of Object.entries(s)) {
    if (!name.startsWith('x-')) continue;
    w.message(31, (ext) => {
      // vendor_extension: NamedAny {name = 1, value = Any}
      ext.string(1, name);
      ext.message(2, (a) => writeAny(a, value));
    });
  }
}

/** openapi.v2.Any: the value as YAML text (field 2); JSON is YAML. */
function writeAny(w: ProtoWriter, value: unknown): void {
  w.string(2, `${JSON.stringify(value)}\n`);
}

/** A minimal protobuf writer: varints, length-delimited strings and nested messages, doubles. */
class ProtoWriter {
  private readonly chunks: Buffer[] = [];

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v >= 0x80) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
    this.chunks.push(Buffer.from(bytes));
  }

  string(field: number, value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.tag(field, 2);
    this.varint(bytes.length);
    this.chunks.push(bytes);
  }

  bool(field: number, value: boolean): void {
    this.tag(field, 0);
    this.varint(value ? 1 : 0);
  }

  /** A non-negative integer (int64 fields: lengths and counts). */
  int(field: number, value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) return;
    this.tag(field, 0);
    this.varint(value);
  }

  double(field: number, value: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.tag(field, 1);
    this.chunks.push(b);
  }

  message(field: number, build: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    build(inner);
    const body = inner.finish();
    this.tag(field, 2);
    this.varint(body.length);
    this.chunks.push(body);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
