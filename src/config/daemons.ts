/**
 * The Docker daemons the operator may use: `local` (from --docker-host) plus any named in
 * `--docker-daemon NAME=URL[,ca=F,cert=F,key=F]` flags or in a `--docker-config` file.
 * Pure apart from the file read, which is passed in.
 */
import { parse as parseYaml } from 'yaml';
import { type DaemonConfig, DaemonConfigError, LOCAL_DAEMON, parseDaemonConfig } from '../docker/config.ts';

/** A daemon problem, phrased to follow "--flag: ". */
export class DaemonSpecError extends Error {
  readonly reason = 'InvalidDaemonSpec';
}

const TLS_KEYS = { ca: 'caFile', cert: 'certFile', key: 'keyFile' } as const;

/** `NAME=URL[,ca=FILE,cert=FILE,key=FILE]` -> DaemonConfig. */
export function parseDaemonSpec(spec: string): DaemonConfig {
  const [head = '', ...options] = spec.split(',');
  const eq = head.indexOf('=');
  if (eq <= 0) {
    throw new DaemonSpecError(`expected NAME=URL[,ca=FILE,cert=FILE,key=FILE], got "${spec}"`);
  }
  const tls: Partial<Record<'caFile' | 'certFile' | 'keyFile', string>> = {};
  for (const option of options) {
    const [key = '', ...rest] = option.split('=');
    const field = TLS_KEYS[key as keyof typeof TLS_KEYS];
    if (!field || rest.length === 0) {
      throw new DaemonSpecError(`unknown option "${option}" in "${spec}" (expected ca=, cert= or key=)`);
    }
    tls[field] = rest.join('=');
  }
  const tlsCount = Object.keys(tls).length;
  if (tlsCount > 0 && tlsCount < 3) {
    throw new DaemonSpecError(`TLS needs all of ca=, cert= and key= in "${spec}"`);
  }
  return checked({ name: head.slice(0, eq), host: head.slice(eq + 1), ...(tlsCount ? { tls } : {}) });
}

/** The `daemons` list of a YAML/JSON config file's text. */
export function parseDaemonFile(text: string): DaemonConfig[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new DaemonSpecError(`not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const daemons = (doc as { daemons?: unknown } | null)?.daemons;
  if (!Array.isArray(daemons)) throw new DaemonSpecError('expected a top-level "daemons:" list');
  return daemons.map((d, i) => {
    try {
      return checked(d);
    } catch (e) {
      throw new DaemonSpecError(`daemons[${i}]: ${(e as Error).message}`);
    }
  });
}

function checked(input: unknown): DaemonConfig {
  try {
    return parseDaemonConfig(input);
  } catch (e) {
    if (e instanceof DaemonConfigError) throw new DaemonSpecError(e.message.replace(/^daemon config /, ''));
    throw e;
  }
}

/** Joins the daemon sources; a name defined twice is an error naming the second source. */
export function mergeDaemons(
  local: DaemonConfig,
  /** Whether --docker-host (or its environment variable) was given, rather than defaulted. */
  localGiven: boolean,
  sources: ReadonlyArray<{ source: string; daemons: DaemonConfig[] }>,
): { ok: true; daemons: DaemonConfig[] } | { ok: false; source: string; message: string } {
  const byName = new Map<string, DaemonConfig>([[LOCAL_DAEMON, local]]);
  let localReplaceable = !localGiven;
  for (const { source, daemons } of sources) {
    for (const d of daemons) {
      if (d.name === LOCAL_DAEMON && localReplaceable) {
        // An explicit "local" replaces the default one (no --docker-host given).
        localReplaceable = false;
        byName.set(d.name, d);
        continue;
      }
      if (byName.has(d.name)) {
        return { ok: false, source, message: `daemon "${d.name}" is defined twice` };
      }
      byName.set(d.name, d);
    }
  }
  return { ok: true, daemons: [...byName.values()] };
}
