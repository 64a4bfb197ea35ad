/**
 * Value types of operator flags, as zod schemas from the raw string (a flag or environment value)
 * to the typed value. Each issue message reads well after "--flag: ", e.g.
 * `expected HOST:PORT, got "abc"`.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { INSTANCE_ID_PATTERN } from '../api/run-identity.ts';
import { parseDuration } from '../schedule/duration.ts';

export interface HostPort {
  host: string;
  /** 0 asks the OS for a free port. */
  port: number;
}

/** `HOST:PORT` or `[IPv6]:PORT`; the port may be 0 (any free port). */
export const hostPort = z.string().transform((raw, ctx): HostPort => {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `expected HOST:PORT, got "${raw}"` });
    return z.NEVER;
  }
  const host = m[1] ?? m[2]!;
  if (m[1] !== undefined && isIP(host) !== 6) {
    ctx.addIssue({ code: 'custom', message: `expected HOST:PORT, got "${raw}" (bad IPv6 address)` });
    return z.NEVER;
  }
  return { host, port };
});

/** A Go-style duration (`30s`, `1m30s`, `500ms`) in milliseconds, within [minMs, maxMs]. */
export function duration(minMs: number, maxMs: number) {
  return z.string().transform((raw, ctx): number => {
    const r = parseDuration(raw);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 30s or 1m30s, got "${raw}"` });
      return z.NEVER;
    }
    if (r.ms < minMs || r.ms > maxMs) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration between ${minMs} ms and ${maxMs} ms, got "${raw}"`,
      });
      return z.NEVER;
    }
    return r.ms;
  });
}

/** A whole number within [min, max]. */
export function integer(min: number, max: number) {
  return z.string().transform((raw, ctx): number => {
    const n = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a whole number from ${min} to ${max}, got "${raw}"`,
      });
      return z.NEVER;
    }
    return n;
  });
}

/** A positive decimal number within (0, max]. */
export function positiveNumber(max: number) {
  return z.string().transform((raw, ctx): number => {
    const n = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (!(n > 0) || n > max) {
      ctx.addIssue({ code: 'custom', message: `expected a number above 0 and at most ${max}, got "${raw}"` });
      return z.NEVER;
    }
    return n;
  });
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, K: 1000, Ki: 1024, M: 1e6, Mi: 1024 * 1024 };

/** A byte size: `4096`, `4Ki`, `1Mi`, `16K`, within [min, max]. */
export function byteSize(min: number, max: number) {
  return z.string().transform((raw, ctx): number => {
    const m = /^(\d+)(Ki|Mi|K|M)?$/.exec(raw.trim());
    const n = m ? Number(m[1]) * (SIZE_UNITS[m[2] ?? ''] ?? Number.NaN) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a size from ${min} to ${max} bytes (e.g. 4096, 4Ki, 1Mi), got "${raw}"`,
      });
      return z.NEVER;
    }
    return n;
  });
}

/** A boolean as environment variables spell it. Flags themselves take no value. */
export const booleanText = z.string().transform((raw, ctx): boolean => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  ctx.addIssue({ code: 'custom', message: `expected true or false, got "${raw}"` });
  return z.NEVER;
});

/** One of a fixed set of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.string().transform((raw, ctx): T[number] => {
    if ((values as readonly string[]).includes(raw)) return raw as T[number];
    ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}, got "${raw}"` });
    return z.NEVER;
  });
}

/** A non-empty string without surrounding spaces. */
export const text = z.string().transform((raw, ctx): string => {
  const v = raw.trim();
  if (v === '') {
    ctx.addIssue({ code: 'custom', message: 'expected a value, got an empty string' });
    return z.NEVER;
  }
  return v;
});

/** A Kubernetes object name or namespace (RFC 1123 label). */
export const dnsLabel = z.string().transform((raw, ctx): string => {
  if (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(raw)) return raw;
  ctx.addIssue({
    code: 'custom',
    message: `expected a lower-case DNS label (a-z, 0-9, -; at most 63 characters), got "${raw}"`,
  });
  return z.NEVER;
});

/** An operator instance id (labelled on its containers): 1 to 40 of a-z, 0-9 and -. */
export const instanceId = z.string().transform((raw, ctx): string => {
  if (INSTANCE_ID_PATTERN.test(raw)) return raw;
  ctx.addIssue({
    code: 'custom',
    message: `expected 1 to 40 characters of a-z, 0-9 and -, got "${raw}"`,
  });
  return z.NEVER;
});

/** An absolute path prefix for bind mounts (normalised: no trailing slash except for "/"). */
export const absolutePath = z.string().transform((raw, ctx): string => {
  if (!raw.startsWith('/') || raw.split('/').includes('..')) {
    ctx.addIssue({ code: 'custom', message: `expected an absolute path without "..", got "${raw}"` });
    return z.NEVER;
  }
  return raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
});

/** An http(s) URL (the dashboard's base, for links in notifications). */
export const httpUrl = z.string().transform((raw, ctx): string => {
  try {
    const url = new URL(raw.trim());
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString().replace(/\/+$/, '');
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: `expected an http:// or https:// URL, got "${raw}"` });
  return z.NEVER;
});
