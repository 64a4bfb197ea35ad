/**
 * Per-field syntax rules of a ScheduledDockerJob that the zod shape cannot express: object names,
 * labels, image references, container names, env variables, volumes, quantities, signals, paths.
 *
 * Each check reads raw, untrusted input (only values of the right type are looked at: a value of
 * the wrong type is the shape pass's to report) and adds causes with the field path; none throws.
 */
import type { CauseList } from './causes.ts';
import { labelValueProblem, qualifiedNameProblem } from './causes.ts';
import { memoryBytes, nanoCpus } from './quantity.ts';

export type Json = Record<string, unknown>;

/** The value as a plain object, or undefined. */
export function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** The value as a string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Longest job name: a run is named `<job>-<unix seconds>` (10 digits until 2286), and run names
 * end up in label values and container names, which Kubernetes caps at 63 characters.
 */
export const MAX_JOB_NAME_LENGTH = 52;
/** generateName gets 5 random characters appended by the API server. */
const MAX_GENERATE_NAME_LENGTH = MAX_JOB_NAME_LENGTH - 5;
/** Kubernetes' limit on the total size of an object's annotations. */
const MAX_ANNOTATIONS_BYTES = 256 * 1024;
/** Docker labels set by the operator itself; a job may not set or override them. */
const RESERVED_LABEL_PREFIX = 'ofelia.dev/';

export function checkMetadata(meta: Json | undefined, causes: CauseList): void {
  if (!meta) return;
  const name = str(meta.name);
  const generateName = str(meta.generateName);
  if (meta.name === undefined && generateName === undefined) {
    causes.required('metadata.name', 'name or generateName is required');
  }
  if (name !== undefined && name !== '') {
    if (name.length > MAX_JOB_NAME_LENGTH) {
      causes.tooLong(
        'metadata.name',
        MAX_JOB_NAME_LENGTH,
        'run names are "<name>-<unix seconds>" and must fit in 63 characters',
      );
    } else {
      causes.dnsSubdomain('metadata.name', name);
    }
  } else if (name === '' && generateName === undefined) {
    causes.required('metadata.name', 'name or generateName is required');
  }
  if (name === undefined && generateName !== undefined) {
    if (generateName.length > MAX_GENERATE_NAME_LENGTH) {
      causes.tooLong(
        'metadata.generateName',
        MAX_GENERATE_NAME_LENGTH,
        `5 random characters are appended and job names are limited to ${MAX_JOB_NAME_LENGTH}`,
      );
    } else {
      // A trailing '-' is the usual form of a prefix ('backup-'): check it as if a suffix followed.
      causes.dnsSubdomain(
        'metadata.generateName',
        generateName.endsWith('-') ? `${generateName}a` : generateName,
      );
    }
  }
  const namespace = str(meta.namespace);
  if (namespace !== undefined) causes.dnsLabel('metadata.namespace', namespace);
  const labels = obj(meta.labels);
  for (const [key, value] of Object.entries(labels ?? {})) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) causes.invalid('metadata.labels', key, keyProblem);
    const valueProblem = typeof value === 'string' ? labelValueProblem(value) : undefined;
    if (valueProblem) causes.invalid('metadata.labels', value, valueProblem);
  }
  const annotations = obj(meta.annotations);
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) causes.invalid('metadata.annotations', key, keyProblem);
    annotationBytes += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (annotationBytes > MAX_ANNOTATIONS_BYTES) {
    causes.tooLong('metadata.annotations', MAX_ANNOTATIONS_BYTES, 'total size of keys and values');
  }
}

// ---- image references (the grammar of distribution/reference) ------------------------------------

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const IMAGE_REFERENCE = new RegExp(
  `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::${TAG})?(?:@${DIGEST})?$`,
);
/** Longest reference looked at (the name part is capped at 255 by the grammar's users). */
const MAX_IMAGE_LENGTH = 512;
const MAX_IMAGE_NAME_LENGTH = 255;

/** Why `ref` is not a valid image reference (`[registry[:port]/]path[:tag][@digest]`), or undefined. */
export function imageReferenceProblem(ref: string): string | undefined {
  if (ref.length > MAX_IMAGE_LENGTH) return `must be no more than ${MAX_IMAGE_LENGTH} characters`;
  const m = IMAGE_REFERENCE.exec(ref);
  if (!m) {
    const hint = /[A-Z]/.test(ref.split(/[:@]/)[0]?.split('/').pop() ?? '')
      ? ' (repository names must be lowercase)'
      : '';
    return `must be an image reference like alpine:3.20 or registry.example.com/team/tool@sha256:<hex>${hint}`;
  }
  if ((m[1] ?? '').length > MAX_IMAGE_NAME_LENGTH) {
    return `repository name must be no more than ${MAX_IMAGE_NAME_LENGTH} characters`;
  }
  return undefined;
}

// ---- other syntax ---------------------------------------------------------------------------------

/** Docker's container and volume name rule (at least two characters). */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const ENV_NAME = /^[\x21-\x3c\x3e-\x7e][\x20-\x3c\x3e-\x7e]*$/;
const USER = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(?::[A-Za-z0-9_.][A-Za-z0-9_.-]*)?$/;
const HOSTNAME = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;
const NETWORK = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** Signal names Docker accepts on Linux (with or without SIG, any case), besides RTMIN+n / RTMAX-n. */
const SIGNALS = new Set(
  (
    'ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT ' +
    'STOP SYS TERM TRAP TSTP TTIN TTOU UNUSED URG USR1 USR2 VTALRM WINCH XCPU XFSZ RTMIN RTMAX'
  ).split(' '),
);

/** Why `signal` is not a stop signal Docker accepts, or undefined. */
export function signalProblem(signal: string): string | undefined {
  if (/^\d+$/.test(signal)) {
    const n = Number(signal);
    return n >= 1 && n <= 64 ? undefined : 'a signal number must be within 1..64';
  }
  const name = signal.toUpperCase().replace(/^SIG/, '');
  if (SIGNALS.has(name)) return undefined;
  const rt = /^RTMIN\+(\d+)$/.exec(name) ?? /^RTMAX-(\d+)$/.exec(name);
  if (rt && Number(rt[1]) >= 1 && Number(rt[1]) <= 15) return undefined;
  return 'must be a signal name (SIGTERM, TERM, SIGUSR1, SIGRTMIN+3 ...) or number (1..64)';
}

/** Why `path` is not an absolute path without '..' segments, or undefined. */
function absolutePathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must be an absolute path';
  if (path.split('/').includes('..')) return "must not contain '..'";
  if (path.includes('\0')) return 'must not contain NUL';
  return undefined;
}

function checkEnv(env: unknown, at: string, causes: CauseList): void {
  const seen = new Set<string>();
  arr(env).forEach((item, i) => {
    const v = obj(item);
    if (!v) return;
    const field = `${at}[${i}]`;
    const name = str(v.name);
    if (name !== undefined && name !== '') {
      if (!ENV_NAME.test(name)) {
        causes.invalid(
          `${field}.name`,
          name,
          "must consist of printable ASCII characters except '=' and not start with a space",
        );
      } else if (seen.has(name)) {
        causes.duplicate(`${field}.name`, name);
      }
      seen.add(name);
    }
    if (v.value !== undefined && v.valueFrom !== undefined) {
      causes.forbidden(`${field}.valueFrom`, 'may not be specified when `value` is set');
    } else if (v.value === undefined && v.valueFrom === undefined) {
      causes.required(`${field}.value`, 'set value or valueFrom');
    }
    const from = obj(v.valueFrom);
    if (from) {
      const refs = (['secretKeyRef', 'configMapKeyRef'] as const).filter((k) => from[k] !== undefined);
      if (refs.length === 0) causes.required(`${field}.valueFrom`, 'set secretKeyRef or configMapKeyRef');
      if (refs.length > 1)
        causes.forbidden(`${field}.valueFrom`, 'may not have more than one field specified at a time');
      for (const ref of refs) checkKeySelector(obj(from[ref]), `${field}.valueFrom.${ref}`, causes);
    }
  });
}

function checkKeySelector(selector: Json | undefined, at: string, causes: CauseList): void {
  if (!selector) return;
  const name = str(selector.name);
  if (name) causes.dnsSubdomain(`${at}.name`, name);
  const key = str(selector.key);
  if (key && (key.length > 253 || !CONFIG_KEY.test(key))) {
    causes.invalid(
      `${at}.key`,
      key,
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
    );
  }
}

function checkCommon(spec: Json, at: string, causes: CauseList): void {
  checkEnv(spec.env, `${at}.env`, causes);
  checkEnvFrom(spec.envFrom, `${at}.envFrom`, causes);
  const workingDir = str(spec.workingDir);
  const dirProblem = workingDir !== undefined ? absolutePathProblem(workingDir) : undefined;
  if (dirProblem) causes.invalid(`${at}.workingDir`, workingDir, dirProblem);
  const user = str(spec.user);
  if (user !== undefined && (user.length > 256 || !USER.test(user))) {
    causes.invalid(`${at}.user`, user, 'must be a user name or uid, optionally followed by :group or :gid');
  }
}

export function checkRunSpec(run: Json, at: string, causes: CauseList): void {
  const image = str(run.image);
  const imageProblem = image ? imageReferenceProblem(image) : undefined;
  if (imageProblem) causes.invalid(`${at}.image`, image, imageProblem);
  checkCommon(run, at, causes);
  const hostname = str(run.hostname);
  if (hostname !== undefined && (hostname.length > 63 || !HOSTNAME.test(hostname))) {
    causes.invalid(`${at}.hostname`, hostname, 'must be an RFC 1123 host name of at most 63 characters');
  }
  const network = str(run.network);
  if (network !== undefined && (network.length > 255 || !NETWORK.test(network))) {
    causes.invalid(
      `${at}.network`,
      network,
      'must be a network mode (none, bridge, host, container:<name>) or network name',
    );
  }
  for (const key of Object.keys(obj(run.labels) ?? {})) {
    if (key === '') causes.invalid(`${at}.labels`, key, 'label keys must not be empty');
    else if (key.startsWith(RESERVED_LABEL_PREFIX)) {
      causes.forbidden(
        `${at}.labels`,
        `label "${key}": the ${RESERVED_LABEL_PREFIX} prefix is reserved for the operator`,
      );
    }
  }
  checkResources(obj(run.resources), `${at}.resources`, causes);
  checkVolumes(run.volumes, `${at}.volumes`, causes);
  arr(run.volumesFrom).forEach((item, i) => {
    const value = str(item);
    if (value === undefined || value === '') return;
    const [container, mode, extra] = value.split(':');
    if (!container || !DOCKER_NAME.test(container) || extra !== undefined) {
      causes.invalid(
        `${at}.volumesFrom[${i}]`,
        value,
        'must be a container name, optionally followed by :ro or :rw',
      );
    } else if (mode !== undefined && mode !== 'ro' && mode !== 'rw') {
      causes.invalid(`${at}.volumesFrom[${i}]`, value, 'the mode after ":" must be ro or rw');
    }
  });
  const secrets = new Set<string>();
  arr(run.imagePullSecrets).forEach((item, i) => {
    const name = str(obj(item)?.name);
    if (name === undefined || name === '') return;
    causes.dnsSubdomain(`${at}.imagePullSecrets[${i}].name`, name);
    if (secrets.has(name)) causes.duplicate(`${at}.imagePullSecrets[${i}].name`, name);
    secrets.add(name);
  });
  const stopSignal = str(run.stopSignal);
  const signal = stopSignal !== undefined ? signalProblem(stopSignal) : undefined;
  if (signal) causes.invalid(`${at}.stopSignal`, stopSignal, signal);
}

function checkResources(resources: Json | undefined, at: string, causes: CauseList): void {
  if (!resources) return;
  const memory = str(resources.memory);
  if (memory !== undefined) {
    const bytes = memoryBytes(memory);
    if (!bytes.ok) causes.invalid(`${at}.memory`, memory, bytes.reason);
  }
  const cpus = str(resources.cpus);
  if (cpus !== undefined) {
    const nano = nanoCpus(cpus);
    if (!nano.ok) causes.invalid(`${at}.cpus`, cpus, nano.reason);
  }
}

function checkVolumes(volumes: unknown, at: string, causes: CauseList): void {
  const targets = new Set<string>();
  arr(volumes).forEach((item, i) => {
    const v = obj(item);
    if (!v) return;
    const field = `${at}[${i}]`;
    const target = str(v.target);
    if (target !== undefined && target !== '') {
      const problem = target === '/' ? "must not be '/'" : absolutePathProblem(target);
      if (problem) causes.invalid(`${field}.target`, target, problem);
      const normalized = target.replace(/\/+$/, '') || '/';
      if (targets.has(normalized)) causes.duplicate(`${field}.target`, target);
      targets.add(normalized);
    }
    const source = str(v.source);
    if (source === undefined || source === '') return;
    if ((v.type ?? 'volume') === 'bind') {
      const problem = absolutePathProblem(source);
      if (problem) causes.invalid(`${field}.source`, source, `a bind mount source ${problem}`);
    } else if (v.type === undefined || v.type === 'volume') {
      if (source.length > 255 || !DOCKER_NAME.test(source)) {
        causes.invalid(
          `${field}.source`,
          source,
          'a volume name must be at least 2 characters of [a-zA-Z0-9_.-], starting with a letter or digit (use type: bind for a host path)',
        );
      }
    }
  });
}

/** envFrom: exactly one source per item; object names are DNS subdomains, containers Docker names. */
function checkEnvFrom(value: unknown, at: string, causes: CauseList): void {
  arr(value).forEach((item, i) => {
    const source = obj(item);
    if (!source) return;
    const set = (['configMapRef', 'secretRef', 'container'] as const).filter((k) => source[k] !== undefined);
    if (set.length !== 1) {
      const why = 'exactly one of configMapRef, secretRef and container must be set';
      if (set.length === 0) causes.required(`${at}[${i}]`, why);
      else causes.forbidden(`${at}[${i}]`, why);
    }
    for (const ref of ['configMapRef', 'secretRef'] as const) {
      const name = str(obj(source[ref])?.name);
      if (name) causes.dnsSubdomain(`${at}[${i}].${ref}.name`, name);
    }
    checkContainerName(str(source.container), `${at}[${i}].container`, causes);
  });
}

function checkContainerName(container: string | undefined, field: string, causes: CauseList): void {
  if (container && (container.length > 255 || !DOCKER_NAME.test(container.replace(/^\//, '')))) {
    causes.invalid(
      field,
      container,
      'must be a container name or id: at least 2 characters of [a-zA-Z0-9_.-], starting with a letter or digit',
    );
  }
}

export function checkStartSpec(start: Json, at: string, causes: CauseList): void {
  checkContainerName(str(start.container), `${at}.container`, causes);
}

export function checkLocalSpec(local: Json, at: string, causes: CauseList): void {
  const command = arr(local.command);
  if (command.length > 0 && command[0] === '')
    causes.invalid(`${at}.command[0]`, '', 'the command must not be empty');
  checkCommon(local, at, causes);
}

export function checkExecSpec(exec: Json, at: string, causes: CauseList): void {
  const container = str(exec.container);
  if (container && (container.length > 255 || !DOCKER_NAME.test(container.replace(/^\//, '')))) {
    causes.invalid(
      `${at}.container`,
      container,
      'must be a container name or id: at least 2 characters of [a-zA-Z0-9_.-], starting with a letter or digit',
    );
  }
  const command = arr(exec.command);
  if (command.length > 0 && command[0] === '')
    causes.invalid(`${at}.command[0]`, '', 'the command must not be empty');
  checkCommon(exec, at, causes);
}
