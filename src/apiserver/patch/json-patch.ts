/**
 * JSON Patch (RFC 6902), `application/json-patch+json`: add, remove, replace, move, copy, test over
 * JSON Pointers (RFC 6901). Operations apply in order to a copy; the first failure aborts the whole
 * patch with a JsonPatchError (the server answers 422, as a real one does for a failed test op).
 */
import { isObject, jsonEqual } from '../../util/json-values.ts';

export class JsonPatchError extends Error {
  readonly reason = 'JsonPatchFailed';
}

type Op = { op: string; path: string; value?: unknown; from?: string };

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError(`invalid array index "${token}"`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length))
    throw new JsonPatchError(`array index ${i} out of range`);
  return i;
}

/** The container holding the last token of `tokens` (which must exist). */
function parentOf(doc: unknown, tokens: string[], path: string): unknown {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new JsonPatchError(`path "${path}" does not exist`);
  }
  return cur;
}

function get(doc: unknown, path: string): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, path);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, false)];
  if (isObject(parent) && Object.hasOwn(parent, last)) return parent[last];
  throw new JsonPatchError(`path "${path}" does not exist`);
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, path);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw new JsonPatchError(`path "${path}" does not exist`);
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const parent = parentOf(doc, tokens, path);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false), 1);
  else if (isObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
  else throw new JsonPatchError(`path "${path}" does not exist`);
  return doc;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new JsonPatchError('a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of patch) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string')
      throw new JsonPatchError('each operation needs "op" and "path"');
    const op = raw as Op;
    switch (op.op) {
      case 'add':
        if (!('value' in op)) throw new JsonPatchError('"add" needs a value');
        doc = add(doc, op.path, structuredClone(op.value));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        if (!('value' in op)) throw new JsonPatchError('"replace" needs a value');
        get(doc, op.path);
        doc =
          op.path === ''
            ? structuredClone(op.value)
            : add(remove(doc, op.path), op.path, structuredClone(op.value));
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw new JsonPatchError('"move" needs "from"');
        if (op.path.startsWith(`${op.from}/`)) throw new JsonPatchError('cannot move a value into itself');
        const v = get(doc, op.from);
        doc = add(remove(doc, op.from), op.path, v);
        break;
      }
      case 'copy': {
        if (typeof op.from !== 'string') throw new JsonPatchError('"copy" needs "from"');
        doc = add(doc, op.path, structuredClone(get(doc, op.from)));
        break;
      }
      case 'test':
        if (!jsonEqual(get(doc, op.path), op.value))
          throw new JsonPatchError(`test failed: the value at "${op.path}" is not the expected one`);
        break;
      default:
        throw new JsonPatchError(`unknown operation "${op.op}"`);
    }
  }
  return doc;
}
