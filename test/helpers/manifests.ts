/**
 * Rendering and reading the deployment manifests for tests: `kubectl kustomize` (the real one, run
 * offline, bounded in time) and the YAML parser. No cluster is contacted.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A rendered Kubernetes object, as plain data. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command with a hard timeout (SIGKILL), collecting its output. */
export function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parse a multi-document YAML stream into objects (empty documents dropped; errors thrown). */
export function parseYamlStream(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/**
 * `kubectl kustomize DIR` (DIR relative to the repository root). The load restrictor is lifted
 * because manifests/base includes the CRD from crds/, outside its own directory.
 */
export async function kustomize(dir: string): Promise<K8sObject[]> {
  const r = await run('kubectl', ['kustomize', dir]);
  if (r.code !== 0) throw new Error(`kubectl kustomize ${dir} failed (exit ${r.code}):\n${r.stderr}`);
  return parseYamlStream(r.stdout);
}

/** The objects of one kind (and name, if given); throws when none is found. */
export function ofKind<T = K8sObject>(objects: K8sObject[], kind: string, name?: string): T[] {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length === 0) throw new Error(`no ${kind}${name ? ` ${name}` : ''} in the rendered manifests`);
  return found as T[];
}
