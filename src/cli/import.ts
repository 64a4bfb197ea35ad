/**
 * `ofelia-operator import ofelia (-f FILE|DIR|GLOB ... | --docker) [-n NS] [-o DIR]
 * [--include-secrets] [--dialect auto|upstream|netresearch]`: Ofelia's configuration to
 * ScheduledDockerJobs, the JobNotifiers of its notification middlewares and the Secrets they
 * reference as a `---` YAML stream on stdout, or one
 * file per object in DIR. Every key not translated exactly is one stderr line
 * `FILE:LINE: [section] key: reason`.
 *
 * Exit codes: 0 everything translated, 3 some keys reported, 1 a malformed or unreadable file or
 * an unreachable daemon (one line, never a stack trace), 2 usage error.
 */

import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DaemonConfigError, localDaemonConfig } from '../docker/config.ts';
import { DockerPool } from '../docker/pool.ts';
import {
  type Dialect,
  formatIssue,
  importIni,
  importLabels,
  type KubeObject,
  objectFileName,
  renderYamlStream,
  type Translation,
} from '../import/index.ts';
import { MAX_INI_BYTES } from '../import/ini-reader.ts';
import { listLabelledContainers } from '../labels/container-list.ts';
import { createLogger } from '../log/logger.ts';
import { usageError } from './validate.ts';

export const usage = `Usage: ofelia-operator import ofelia (-f FILE|DIR|GLOB ... | --docker) [flags]

Translate an Ofelia configuration (INI files, upstream or netresearch dialect, or the ofelia.*
labels of the containers on a Docker daemon) into ScheduledDockerJobs (chains in spec.after),
JobNotifiers (slack, mail, save and the fork's webhooks) and the Secrets they use.
Keys that are not translated exactly are listed on stderr as FILE:LINE: [section] key: reason.

Flags:
  -f, --file PATH          an INI file, a directory (every file in it) or a glob (*.ini); repeatable
      --docker             read the labels of the containers on the daemon (running and stopped)
      --docker-host URL    the daemon for --docker (default: DOCKER_HOST or unix:///var/run/docker.sock)
  -n, --namespace NS       namespace of the objects (default: default)
  -o, --output-dir DIR     write one file per object into DIR instead of a stream on stdout
      --include-secrets    write secret values (env files, SMTP passwords, webhook URLs) into the Secrets
      --dialect D          auto (default), upstream (mcuadros/ofelia) or netresearch (the fork)
  -h, --help               show this help

Exit status: 0 all translated, 3 some keys reported, 1 malformed input or unreachable daemon, 2 usage error.
`;

/** Most files one import reads. */
const MAX_FILES = 1000;

interface Flags {
  files: string[];
  docker: boolean;
  dockerHost?: string;
  namespace: string;
  outputDir?: string;
  includeSecrets: boolean;
  dialect: Dialect | 'auto';
}

function parseFlags(argv: string[]): Flags | { help: true } | { error: string } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        file: { type: 'string', short: 'f', multiple: true },
        docker: { type: 'boolean' },
        'docker-host': { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        'output-dir': { type: 'string', short: 'o' },
        'include-secrets': { type: 'boolean' },
        dialect: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    return { error: usageError(e) };
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (v.help) return { help: true };
  const [format, ...extra] = parsed.positionals;
  if (format !== 'ofelia')
    return {
      error: format
        ? `unknown format "${format}": only "ofelia" is supported`
        : 'missing format: import ofelia ...',
    };
  if (extra.length) return { error: `unexpected argument "${extra[0]}"` };
  const files = (v.file as string[] | undefined) ?? [];
  const docker = v.docker === true;
  if (files.length === 0 && !docker) return { error: '-f/--file or --docker is required' };
  if (files.length > 0 && docker) return { error: '-f/--file and --docker cannot be combined' };
  const dialect = (v.dialect as string | undefined) ?? 'auto';
  if (!['auto', 'upstream', 'netresearch'].includes(dialect)) {
    return { error: `--dialect must be auto, upstream or netresearch (got "${dialect}")` };
  }
  const namespace = (v.namespace as string | undefined) ?? 'default';
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    return { error: `--namespace "${namespace}" is not a valid namespace name (a DNS label)` };
  }
  const flags: Flags = {
    files,
    docker,
    namespace,
    includeSecrets: v['include-secrets'] === true,
    dialect: dialect as Dialect | 'auto',
  };
  if (typeof v['docker-host'] === 'string') flags.dockerHost = v['docker-host'];
  if (typeof v['output-dir'] === 'string') flags.outputDir = v['output-dir'];
  return flags;
}

class InputError extends Error {}

/** A file, every regular file of a directory, or the files a glob in the last path part matches. */
async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (/[*?[]/.test(basename(p))) {
      const dir = dirname(p);
      const pattern = globRegExp(basename(p));
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (e) {
        throw new InputError(
          `${p}: cannot read directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      const matched = names.filter((n) => pattern.test(n)).sort();
      if (matched.length === 0) throw new InputError(`${p}: no file matches`);
      for (const n of matched) if ((await stat(join(dir, n))).isFile()) out.push(join(dir, n));
    } else {
      let info: Awaited<ReturnType<typeof stat>>;
      try {
        info = await stat(p);
      } catch (e) {
        throw new InputError(
          `${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
        );
      }
      if (info.isDirectory()) {
        const names = (await readdir(p)).sort();
        for (const n of names) if ((await stat(join(p, n))).isFile()) out.push(join(p, n));
      } else out.push(p);
    }
    if (out.length > MAX_FILES) throw new InputError(`more than ${MAX_FILES} files`);
  }
  return out;
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) {
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** env-file paths as Ofelia reads them: relative ones from the INI file's directory. */
function envFileReader(source: string) {
  return (path: string): { ok: true; text: string } | { ok: false; reason: string } => {
    const full = isAbsolute(path)
      ? path
      : resolve(source.startsWith('docker:') ? '.' : dirname(source), path);
    try {
      const text = readFileSync(full, 'utf8');
      if (text.length > MAX_INI_BYTES) return { ok: false, reason: `larger than ${MAX_INI_BYTES} bytes` };
      return { ok: true, text };
    } catch (e) {
      return {
        ok: false,
        reason: `cannot be read here (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      };
    }
  };
}

async function translateFiles(flags: Flags): Promise<Translation> {
  const paths = await expandPaths(flags.files);
  const files: Array<{ source: string; text: string }> = [];
  for (const path of paths) {
    let text: string;
    try {
      const info = await stat(path);
      if (info.size > MAX_INI_BYTES) throw new InputError(`${path}: larger than ${MAX_INI_BYTES} bytes`);
      text = await readFile(path, 'utf8');
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(
        `${path}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    files.push({ source: path, text });
  }
  const result = importIni(files, {
    namespace: flags.namespace,
    dialect: flags.dialect,
    includeSecrets: flags.includeSecrets,
    // The outermost layer: the only place the environment is read (the fork's ${VAR}).
    env: process.env,
    readEnvFile: (path, section) => envFileReader(section.source)(path),
  });
  if (!result.ok) throw new InputError(result.error.message);
  return result;
}

async function translateDocker(flags: Flags): Promise<Translation> {
  const log = createLogger({ fd: 2, level: 'silent', sync: true, format: 'json' });
  let pool: DockerPool;
  try {
    pool = new DockerPool([localDaemonConfig(flags.dockerHost ?? process.env.DOCKER_HOST)], {}, { log });
  } catch (e) {
    if (e instanceof DaemonConfigError) throw new InputError(`--docker-host: ${e.message}`);
    throw e;
  }
  try {
    const listing = await listLabelledContainers(pool.get());
    const result = importLabels(listing.containers, {
      namespace: flags.namespace,
      dialect: flags.dialect,
      includeSecrets: flags.includeSecrets,
      origin: 'docker',
      // A label's env-file is a path inside Ofelia's container, not on this machine.
      readEnvFile: () => ({ ok: false, reason: "a path inside Ofelia's container, not read here" }),
    });
    if (listing.truncated) {
      result.issues.unshift({
        kind: 'unsupported',
        source: 'docker',
        section: '',
        key: '',
        reason: 'too many labelled containers: the list was cut',
      });
    }
    return result;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`docker: ${(e as Error).message}`);
  } finally {
    pool.close();
  }
}

async function writeOutput(objects: readonly KubeObject[], dir: string | undefined): Promise<void> {
  if (dir === undefined) {
    process.stdout.write(renderYamlStream(objects));
    return;
  }
  await mkdir(dir, { recursive: true });
  for (const o of objects) {
    // Secrets may hold values (--include-secrets): readable by the owner only.
    await writeFile(join(dir, objectFileName(o)), renderYamlStream([o]), {
      mode: o.kind === 'Secret' ? 0o600 : 0o644,
    });
  }
  process.stderr.write(`wrote ${objects.length} file(s) to ${dir}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  if ('help' in flags) {
    process.stdout.write(usage);
    return 0;
  }
  if ('error' in flags) {
    process.stderr.write(`ofelia-operator import: ${flags.error}\n`);
    return 2;
  }
  let result: Translation;
  try {
    result = flags.docker ? await translateDocker(flags) : await translateFiles(flags);
    await writeOutput([...result.secrets, ...result.notifiers, ...result.jobs], flags.outputDir);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`ofelia-operator import: ${message.split('\n')[0]}\n`);
    return 1;
  }
  for (const issue of result.issues) process.stderr.write(`${formatIssue(issue)}\n`);
  process.stderr.write(
    `${result.jobs.length} job(s), ${result.notifiers.length} JobNotifier(s), ${result.secrets.length} Secret(s); ${result.issues.length} key(s) reported\n`,
  );
  return result.issues.length ? 3 : 0;
}
