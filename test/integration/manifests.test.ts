/**
 * The deployment artefacts, checked offline: every kustomize overlay rendered by the real kubectl
 * and each object validated against the Kubernetes schema of its kind (kubernetes-models), then
 * the properties the operator's security and operation depend on: hardened non-root containers,
 * the DaemonSet's node-local Docker socket and node name, least-privilege RBAC equal to
 * test/helpers/rbac-needs.ts, metrics wiring, and the Dockerfile and Tiltfile that go with them.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { type K8sObject, kustomize, ofKind, parseYamlStream, REPO_ROOT, run } from '../helpers/manifests.ts';
import { permissionKeys, RBAC_NEEDS } from '../helpers/rbac-needs.ts';

const NAMESPACE = 'ofelia-system';
const SERVICE_ACCOUNT = 'ofelia-operator';
const CRD_FILE = 'crds/ofelia.dev_scheduleddockerjobs.yaml';
const OVERLAYS = ['manifests/overlays/daemonset', 'manifests/overlays/deployment'] as const;
const SOCKET = '/var/run/docker.sock';

// ---- schema validation ---------------------------------------------------------------------

type Model = new (data: never) => { validate(): void };
/** Every kind the manifests may contain, with its schema. A kind missing here fails the test. */
const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': CustomResourceDefinition,
};
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

function validateAgainstSchema(o: K8sObject): void {
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  assert.ok(Model, `${o.apiVersion} ${o.kind} ${o.metadata?.name}: no schema known for this kind`);
  try {
    new Model(o as never).validate();
  } catch (e) {
    assert.fail(`${o.kind}/${o.metadata.name} is invalid: ${(e as Error).message}`);
  }
}

// ---- pod templates -------------------------------------------------------------------------

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
  supplementalGroups?: number[];
  fsGroup?: number;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
  secret?: { secretName: string; defaultMode?: number };
  emptyDir?: object;
}
interface PodSpec {
  serviceAccountName?: string;
  securityContext?: SecurityContext;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}
interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

function workloads(objects: K8sObject[]): Workload[] {
  return objects.filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment') as Workload[];
}

function operatorContainer(w: Workload): Container {
  const c = w.spec.template.spec.containers.find((x) => x.name === 'operator');
  assert.ok(c, `${w.kind}/${w.metadata.name} has no container named operator`);
  return c;
}

/** The value of `--name=value` or `--name value` in args, or undefined; `true` for a bare flag. */
function flag(args: string[] | undefined, name: string): string | true | undefined {
  const list = args ?? [];
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (a === `--${name}`) {
      const next = list[i + 1];
      return next !== undefined && !next.startsWith('--') ? next : true;
    }
  }
  return undefined;
}

function assertHardened(w: Workload): void {
  const pod = w.spec.template.spec;
  const where = `${w.kind}/${w.metadata.name}`;
  assert.equal(pod.serviceAccountName, SERVICE_ACCOUNT, `${where}: serviceAccountName`);
  assert.notEqual(pod.hostNetwork, true, `${where}: hostNetwork`);
  assert.notEqual(pod.hostPID, true, `${where}: hostPID`);
  assert.notEqual(pod.hostIPC, true, `${where}: hostIPC`);
  assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${where}: pod seccompProfile`);
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext ?? {};
    const nonRoot: boolean | undefined = sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    const uid: number | undefined = sc.runAsUser ?? pod.securityContext?.runAsUser;
    assert.equal(nonRoot, true, `${at}: runAsNonRoot`);
    assert.ok(uid !== undefined && uid !== 0, `${at}: runAsUser must be a non-zero uid (got ${uid})`);
    assert.equal(uid, IMAGE_UID, `${at}: runAsUser ${uid} differs from the image's USER ${IMAGE_UID}`);
    assert.equal(sc.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation`);
    assert.equal(sc.readOnlyRootFilesystem, true, `${at}: readOnlyRootFilesystem`);
    assert.notEqual(sc.privileged, true, `${at}: privileged`);
    assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${at}: capabilities.drop`);
    assert.equal(sc.capabilities?.add, undefined, `${at}: capabilities.add`);
    // A read-only root needs a writable /tmp (tsx's compile cache).
    const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
    assert.ok(tmp, `${at}: no /tmp mount for a read-only root filesystem`);
    assert.ok(pod.volumes?.find((v) => v.name === tmp.name)?.emptyDir, `${at}: /tmp is not an emptyDir`);
    assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${at}: resource requests`);
    assert.ok(c.resources?.limits?.memory, `${at}: memory limit`);
  }
}

function assertProbesAndMetrics(w: Workload): void {
  const c = operatorContainer(w);
  const where = `${w.kind}/${w.metadata.name}`;
  const port = c.ports?.find((p) => p.name === 'metrics');
  assert.equal(port?.containerPort, 8080, `${where}: containerPort metrics 8080`);
  assert.equal(flag(c.args, 'http-listen'), '0.0.0.0:8080', `${where}: --http-listen must reach the pod IP`);
  assert.deepEqual(
    c.livenessProbe?.httpGet,
    { path: '/healthz', port: 'metrics' },
    `${where}: livenessProbe`,
  );
  assert.deepEqual(
    c.readinessProbe?.httpGet,
    { path: '/readyz', port: 'metrics' },
    `${where}: readinessProbe`,
  );
  assert.equal(c.args?.[0], 'run', `${where}: args start with the run command`);
  assert.equal(flag(c.args, 'in-cluster'), true, `${where}: --in-cluster`);
  const ns = c.env?.find((e) => e.name === 'POD_NAMESPACE');
  assert.equal(ns?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace', `${where}: POD_NAMESPACE`);
  assert.equal(c.image, 'ofelia-operator:0.1.0', `${where}: image`);
}

// ---- RBAC ----------------------------------------------------------------------------------

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface RoleObject extends K8sObject {
  rules?: Rule[];
}
interface Binding extends K8sObject {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/** Every permission granted to the operator's ServiceAccount, as `scope group/resource verb`. */
function grantedPermissions(objects: K8sObject[]): string[] {
  const roles = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role') as RoleObject[];
  const bindings = objects.filter(
    (o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding',
  ) as Binding[];
  const keys: string[] = [];
  const used = new Set<RoleObject>();
  for (const b of bindings) {
    const where = `${b.kind}/${b.metadata.name}`;
    assert.deepEqual(
      b.subjects,
      [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: NAMESPACE }],
      `${where}: binds exactly the operator's ServiceAccount`,
    );
    const role = roles.find((r) => r.kind === b.roleRef.kind && r.metadata.name === b.roleRef.name);
    assert.ok(role, `${where}: roleRef ${b.roleRef.kind}/${b.roleRef.name} is not in the manifests`);
    used.add(role);
    if (b.kind === 'RoleBinding') assert.equal(b.metadata.namespace, NAMESPACE, `${where}: namespace`);
    const scope = b.kind === 'ClusterRoleBinding' ? 'cluster' : 'namespace';
    for (const rule of role.rules ?? []) {
      const at: string = `${role.kind}/${role.metadata.name}`;
      assert.equal(rule.resourceNames, undefined, `${at}: resourceNames are not part of the declared needs`);
      assert.equal(rule.nonResourceURLs, undefined, `${at}: nonResourceURLs`);
      for (const list of [rule.apiGroups ?? [], rule.resources ?? [], rule.verbs]) {
        assert.ok(!list.includes('*'), `${at}: wildcard in ${JSON.stringify(rule)}`);
      }
      for (const g of rule.apiGroups ?? [])
        for (const r of rule.resources ?? [])
          for (const v of rule.verbs) keys.push(`${scope} ${g || 'core'}/${r} ${v}`);
    }
  }
  for (const r of roles) assert.ok(used.has(r), `${r.kind}/${r.metadata.name} is bound to nothing`);
  return keys.sort();
}

// ---- Dockerfile ----------------------------------------------------------------------------

interface Stage {
  name?: string;
  base: string;
  instructions: { op: string; args: string }[];
}

/** Instructions of a Dockerfile (continuations joined, comments dropped) grouped by stage. */
function parseDockerfile(text: string): { globalArgs: string[]; stages: Stage[] } {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const globalArgs: string[] = [];
  const stages: Stage[] = [];
  for (const l of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(l) ?? [];
    const upper = op.toUpperCase();
    if (upper === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      assert.ok(m, `FROM ${args}`);
      stages.push({ base: m[1]!, ...(m[2] ? { name: m[2] } : {}), instructions: [] });
    } else if (stages.length === 0) {
      if (upper === 'ARG') globalArgs.push(args);
    } else {
      stages.at(-1)!.instructions.push({ op: upper, args });
    }
  }
  return { globalArgs, stages };
}

/** The last value of an instruction in a stage, following FROM <earlier stage> chains. */
function effective(stages: Stage[], stage: Stage, op: string): string | undefined {
  const own = stage.instructions.filter((i) => i.op === op).at(-1);
  if (own) return own.args;
  const parent = stages.find((s) => s.name === stage.base);
  return parent ? effective(stages, parent, op) : undefined;
}

const DOCKERFILE = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const FINAL = DOCKERFILE.stages.at(-1)!;
const IMAGE_UID = Number((effective(DOCKERFILE.stages, FINAL, 'USER') ?? '').split(':')[0]);

describe('Dockerfile', () => {
  test('base image is a build argument, defaulting to node:20-bookworm-slim', () => {
    assert.ok(DOCKERFILE.globalArgs.includes('BASE_IMAGE=node:20-bookworm-slim'));
    for (const s of DOCKERFILE.stages) {
      const fromStage = DOCKERFILE.stages.some((x) => x.name === s.base);
      assert.ok(fromStage || s.base === '$' + '{BASE_IMAGE}', `stage ${s.name}: FROM ${s.base}`);
    }
  });

  test('dependencies come from the lockfile with npm ci, without devDependencies', () => {
    const runs = DOCKERFILE.stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN'));
    const ci = runs.find((r) => /\bnpm ci\b/.test(r.args));
    assert.ok(ci, 'no RUN npm ci');
    assert.match(ci.args, /--omit=dev/);
    assert.ok(!runs.some((r) => /\bnpm (install|i)\b/.test(r.args)), 'npm install would ignore the lockfile');
  });

  test('the default (last) stage runs as a numeric non-root user with a HEALTHCHECK', () => {
    assert.notEqual(FINAL.name, 'dev', 'the dev stage must not be the default target');
    const user = effective(DOCKERFILE.stages, FINAL, 'USER');
    assert.match(user ?? '', /^\d+(:\d+)?$/, `USER ${user} must be numeric for runAsNonRoot`);
    assert.ok(IMAGE_UID > 0, 'USER must not be root');
    // No curl in the image: node asks /healthz, at the URL in OFELIA_HEALTHCHECK_URL.
    assert.match(
      effective(DOCKERFILE.stages, FINAL, 'HEALTHCHECK') ?? '',
      /CMD \["node", "-e", ".*OFELIA_HEALTHCHECK_URL/,
    );
    assert.equal(
      effective(DOCKERFILE.stages, FINAL, 'ENTRYPOINT'),
      // The flag bounds V8's young generation (node-flags.test.ts checks it matches the bin's).
      '["node", "--max-semi-space-size=4", "/app/bin/ofelia-operator.js"]',
    );
    assert.equal(effective(DOCKERFILE.stages, FINAL, 'CMD'), '["run"]');
    const env = DOCKERFILE.stages.flatMap((s) => s.instructions.filter((i) => i.op === 'ENV'));
    assert.ok(
      env.some((e) => /\bNODE_ENV=production\b/.test(e.args)),
      'ENV NODE_ENV=production',
    );
    assert.ok(
      env.some((e) => e.args.includes('OFELIA_HEALTHCHECK_URL=http://127.0.0.1:8080/healthz')),
      'the HEALTHCHECK asks http://127.0.0.1:8080/healthz by default',
    );
  });

  test('the runtime copies only production files', () => {
    const copies = DOCKERFILE.stages
      .flatMap((s) => s.instructions.filter((i) => i.op === 'COPY'))
      .map((c) => c.args);
    for (const needed of ['bin', 'src', 'crds', 'package.json', '--from=deps /app/node_modules']) {
      assert.ok(
        copies.some((c) => c.includes(needed)),
        `no COPY of ${needed}`,
      );
    }
    assert.ok(!copies.some((c) => /^\.\s/.test(c)), 'COPY . would bring tests, docs and node_modules');
  });
});

// ---- the overlays --------------------------------------------------------------------------

describe('manifests', () => {
  const rendered = new Map<string, K8sObject[]>();

  before(async () => {
    assert.ok(
      existsSync(join(REPO_ROOT, CRD_FILE)),
      `${CRD_FILE} is missing: manifests/base includes the generated CRD from it`,
    );
    const version = await run('kubectl', ['version', '--client'], 10_000);
    assert.equal(version.code, 0, 'kubectl is needed to render the manifests');
    for (const dir of [...OVERLAYS, 'manifests/optional/servicemonitor'])
      rendered.set(dir, await kustomize(dir));
  });

  for (const dir of OVERLAYS) {
    describe(dir, () => {
      const objects = () => rendered.get(dir)!;

      test('every object is valid against the Kubernetes schema of its kind', () => {
        assert.ok(objects().length > 0);
        for (const o of objects()) validateAgainstSchema(o);
      });

      test('namespaced objects live in ofelia-system; names are unique', () => {
        const seen = new Set<string>();
        for (const o of objects()) {
          const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
          assert.ok(!seen.has(key), `duplicate ${key}`);
          seen.add(key);
          if (CLUSTER_SCOPED.has(o.kind)) assert.equal(o.metadata.namespace, undefined, key);
          else assert.equal(o.metadata.namespace, NAMESPACE, key);
        }
      });

      test('the CRD is the ScheduledDockerJob CRD', () => {
        const [crd] = ofKind<K8sObject & { spec: Record<string, unknown> }>(
          objects(),
          'CustomResourceDefinition',
          'scheduleddockerjobs.ofelia.dev',
        );
        const spec = crd!.spec as {
          group: string;
          scope: string;
          names: { plural: string; kind: string; shortNames?: string[] };
          versions: { name: string; served: boolean; storage: boolean; subresources?: { status?: object } }[];
        };
        assert.equal(spec.group, 'ofelia.dev');
        assert.equal(spec.scope, 'Namespaced');
        assert.equal(spec.names.plural, 'scheduleddockerjobs');
        assert.equal(spec.names.kind, 'ScheduledDockerJob');
        assert.ok(spec.names.shortNames?.includes('sdj'), 'short name sdj');
        const v = spec.versions.find((x) => x.name === 'v1alpha1');
        assert.ok(v?.served && v.storage, 'v1alpha1 served and stored');
        assert.ok(v.subresources?.status, 'status subresource');
      });

      test('every container runs non-root with the hardened securityContext', () => {
        const ws = workloads(objects());
        assert.equal(ws.length, 1, 'one operator workload per overlay');
        for (const w of ws) assertHardened(w);
      });

      test('probes, metrics port and cluster-mode flags', () => {
        for (const w of workloads(objects())) assertProbesAndMetrics(w);
      });

      test('RBAC grants exactly the declared needs, and no wildcard', () => {
        assert.deepEqual(grantedPermissions(objects()), permissionKeys(RBAC_NEEDS));
      });

      test('the metrics Service selects the operator pods on the metrics port', () => {
        const [svc] = ofKind<K8sObject & { spec: { selector: Record<string, string>; ports: object[] } }>(
          objects(),
          'Service',
          'ofelia-operator-metrics',
        );
        assert.deepEqual(svc!.spec.ports, [
          { name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' },
        ]);
        const [w] = workloads(objects());
        const podLabels = w!.spec.template.metadata.labels;
        for (const [k, v] of Object.entries(svc!.spec.selector))
          assert.equal(podLabels[k], v, `selector ${k}`);
        for (const [k, v] of Object.entries(w!.spec.selector.matchLabels))
          assert.equal(podLabels[k], v, `workload selector ${k}`);
      });
    });
  }

  test('DaemonSet: the node socket, NODE_NAME from the downward API, the socket group', () => {
    const [ds] = ofKind<Workload>(rendered.get('manifests/overlays/daemonset')!, 'DaemonSet');
    const pod = ds!.spec.template.spec;
    const c = operatorContainer(ds!);
    const vol = pod.volumes?.find((v) => v.hostPath?.path === SOCKET);
    assert.deepEqual(vol?.hostPath, { path: SOCKET, type: 'Socket' }, 'hostPath volume of type Socket');
    assert.ok(
      c.volumeMounts?.some((m) => m.name === vol!.name && m.mountPath === SOCKET),
      'socket mounted at its usual path',
    );
    assert.equal(flag(c.args, 'docker-host'), `unix://${SOCKET}`);
    const nodeName = c.env?.find((e) => e.name === 'NODE_NAME');
    assert.equal(nodeName?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName', 'NODE_NAME from spec.nodeName');
    assert.equal(flag(c.args, 'node-name'), '$(NODE_NAME)', '--node-name=$(NODE_NAME)');
    // Unplaced jobs are spread over the replicas (member Leases in the pod's namespace), not run
    // by one leader: no --leader-elect.
    assert.equal(flag(c.args, 'leader-elect'), undefined, 'no --leader-elect: cluster mode spreads');
    assert.equal(flag(c.args, 'leader-elect-namespace'), '$(POD_NAMESPACE)');
    assert.equal(
      c.env?.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath,
      'metadata.namespace',
    );
    assert.ok(
      (pod.securityContext?.supplementalGroups ?? []).length > 0,
      'supplementalGroups for the socket',
    );
    const hostPaths = pod.volumes?.filter((v) => v.hostPath) ?? [];
    assert.equal(hostPaths.length, 1, 'the socket is the only host path');
    const [ns] = ofKind<K8sObject>(rendered.get('manifests/overlays/daemonset')!, 'Namespace', NAMESPACE);
    assert.equal(
      ns!.metadata.labels?.['pod-security.kubernetes.io/enforce'],
      'privileged',
      'hostPath needs it',
    );
    assert.equal(ns!.metadata.labels?.['pod-security.kubernetes.io/warn'], 'restricted');
  });

  test('Deployment: two replicas, leader election, TLS to the daemon from a Secret, restricted', () => {
    const objects = rendered.get('manifests/overlays/deployment')!;
    const [dep] = ofKind<Workload>(objects, 'Deployment');
    const pod = dep!.spec.template.spec;
    const c = operatorContainer(dep!);
    assert.equal(dep!.spec.replicas, 2);
    assert.equal(flag(c.args, 'leader-elect'), true, '--leader-elect');
    assert.equal(flag(c.args, 'leader-elect-namespace'), '$(POD_NAMESPACE)');
    assert.ok(!pod.volumes?.some((v) => v.hostPath), 'no host paths');
    const daemon = flag(c.args, 'docker-daemon');
    assert.equal(typeof daemon, 'string', '--docker-daemon NAME=URL,ca=,cert=,key=');
    const m = /^local=tcp:\/\/[^,]+,ca=([^,]+),cert=([^,]+),key=([^,]+)$/.exec(daemon as string);
    assert.ok(m, `--docker-daemon ${daemon}`);
    const tls = pod.volumes?.find((v) => v.secret);
    const mount = c.volumeMounts?.find((x) => x.name === tls?.name);
    assert.ok(tls && mount?.readOnly, 'TLS Secret mounted read-only');
    for (const file of m.slice(1))
      assert.ok(file.startsWith(`${mount.mountPath}/`), `${file} from the Secret`);
    assert.equal(
      pod.securityContext?.fsGroup,
      IMAGE_UID,
      'fsGroup lets the non-root user read the TLS files',
    );
    const [ns] = ofKind<K8sObject>(objects, 'Namespace', NAMESPACE);
    assert.equal(ns!.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    const [pdb] = ofKind<
      K8sObject & { spec: { minAvailable: number; selector: Workload['spec']['selector'] } }
    >(objects, 'PodDisruptionBudget');
    assert.equal(pdb!.spec.minAvailable, 1);
    assert.deepEqual(pdb!.spec.selector, dep!.spec.selector);
  });

  test('optional ServiceMonitor scrapes the metrics Service', () => {
    const objects = rendered.get('manifests/optional/servicemonitor')!;
    assert.equal(objects.length, 1);
    const sm = objects[0] as K8sObject & {
      spec: {
        selector: { matchLabels: Record<string, string> };
        namespaceSelector: { matchNames: string[] };
        endpoints: { port: string; path: string }[];
      };
    };
    // No schema package for monitoring.coreos.com is installed: check the fields that matter.
    assert.equal(sm.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(sm.kind, 'ServiceMonitor');
    assert.equal(sm.metadata.namespace, NAMESPACE);
    assert.deepEqual(sm.spec.namespaceSelector.matchNames, [NAMESPACE]);
    assert.deepEqual(
      sm.spec.endpoints.map((e) => [e.port, e.path]),
      [['metrics', '/metrics']],
    );
    const [svc] = ofKind<K8sObject>(rendered.get(OVERLAYS[0])!, 'Service', 'ofelia-operator-metrics');
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels))
      assert.equal(svc!.metadata.labels?.[k], v, `ServiceMonitor selector ${k}=${v} matches the Service`);
  });
});

// ---- the development loop ------------------------------------------------------------------

describe('Tilt and kind', () => {
  const tiltfile = readFileSync(join(REPO_ROOT, 'Tiltfile'), 'utf8');

  test('Tiltfile builds the dev target, syncs src/, deploys the DaemonSet overlay, forwards metrics', () => {
    assert.match(tiltfile, /docker_build\(\s*'ofelia-operator'/, 'image name as in the manifests');
    assert.match(tiltfile, /target\s*=\s*'dev'/);
    assert.ok(
      DOCKERFILE.stages.some((s) => s.name === 'dev'),
      'the Dockerfile has a dev stage',
    );
    assert.match(tiltfile, /sync\('\.\/src',\s*'\/app\/src'\)/);
    assert.match(tiltfile, /kustomize\('manifests\/overlays\/daemonset'/);
    assert.match(tiltfile, /port_forwards\s*=\s*\[\s*'8080:8080'\s*\]/);
  });

  // python3 is on every machine of this kind (and CI's): a missing one is a failure, not a skip.
  test('Tiltfile is syntactically valid Starlark (checked with the Python parser, a superset)', async () => {
    const r = await run('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', 'Tiltfile']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('the kind cluster config mounts the host Docker socket into the node', () => {
    const [cfg] = parseYamlStream(readFileSync(join(REPO_ROOT, 'manifests/dev/kind-cluster.yaml'), 'utf8'));
    const nodes = (
      cfg as unknown as { nodes: { extraMounts?: { hostPath: string; containerPath: string }[] }[] }
    ).nodes;
    assert.ok(nodes.length > 0);
    for (const n of nodes) {
      assert.ok(n.extraMounts?.some((m) => m.hostPath === SOCKET && m.containerPath === SOCKET));
    }
  });
});
