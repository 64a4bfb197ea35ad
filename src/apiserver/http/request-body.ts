/**
 * Request bodies: read with a byte limit counted while streaming (413 past it, nothing buffered
 * beyond it), decoded as JSON or YAML by Content-Type, refused when nested deeper than a bound
 * (deep nesting would blow the stack of every recursive walk that follows).
 */
import type { IncomingMessage } from 'node:http';
import { errors } from '../status-errors.ts';
import { decodeProtobufObject } from './protobuf-body.ts';
import { parseYamlBody } from './yaml-body.ts';

export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;
export const MAX_NESTING_DEPTH = 100;

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(errors.tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(errors.tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed) reject(errors.badRequest(`reading the request body failed: ${e.message}`));
    });
  });
}

/** Depth of brackets outside strings, without parsing (so a hostile body never reaches a parser). */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** Iterative depth check for values that did not come from JSON text (YAML). */
function valueDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Decode a body as JSON, or YAML for YAML media types (apply-patch+yaml carries JSON or YAML). */
export function decodeBody(raw: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(raw);
  const text = raw.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('the request body is empty');
  const yaml = type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'text/yaml';
  if (!yaml || /^\s*[[{]/.test(text)) {
    if (jsonNestingDepth(text) > MAX_NESTING_DEPTH)
      throw errors.badRequest(`the request body is nested deeper than ${MAX_NESTING_DEPTH} levels`);
    try {
      return JSON.parse(text);
    } catch (e) {
      if (!yaml) throw errors.badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = parseYamlBody(text);
  } catch (e) {
    throw errors.badRequest(`the request body is not valid YAML: ${(e as Error).message}`);
  }
  if (valueDepthExceeds(value, MAX_NESTING_DEPTH))
    throw errors.badRequest(`the request body is nested deeper than ${MAX_NESTING_DEPTH} levels`);
  return value;
}
