/**
 * HTTP verbs on resource paths, mapped onto the resource engine: query parameters, content
 * negotiation (JSON or meta.k8s.io Tables), patch types, warnings, and starting watches.
 * In: an authenticated request already routed to a kind. Out: a reply (or a streaming watch).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiServerMetrics } from '../../metrics/apiserver-metrics.ts';
import type { Principal } from '../auth/authenticator.ts';
import { apiVersionOf, type KubeObject, type ResourceKind } from '../kinds/kind.ts';
import type { Selectable } from '../kinds/selectable.ts';
import { defaultFieldManager, parseFieldValidation } from '../registry/object-rules.ts';
import type {
  ListResult,
  PatchType,
  ResourceService,
  WriteOptions,
  WriteResult,
} from '../registry/resource-service.ts';
import { errors } from '../status-errors.ts';
import type { StoredObject } from '../store/stored-object.ts';
import type { OpenWatches } from '../watch/open-watches.ts';
import type { WatchHub } from '../watch/watch-hub.ts';
import { startWatchStream } from '../watch/watch-stream.ts';
import { JsonText } from './json-text.ts';
import { boolParam, secondsParam } from './query-params.ts';
import { decodeBody, mediaType, readBody } from './request-body.ts';
import { buildTable, wantsTable } from './tables.ts';

/** Kubernetes' --min-request-timeout: no watch lasts longer than this. */
export const MAX_WATCH_TIMEOUT_SECONDS = 1800;

export interface RestConfig {
  maxBodyBytes: number;
  /**
   * The longest a watch lasts (at most MAX_WATCH_TIMEOUT_SECONDS). Watches that ask for no
   * timeoutSeconds, or a longer one, end after a random time between half of it and all of it,
   * as a real server randomises, so clients started together do not all re-list together.
   */
  watchTimeoutMs: number;
  bookmarkIntervalMs: number;
  maxWatchBacklogBytes: number;
  now(): number;
  /** Uniform in [0, 1): the watch timeout's randomisation (Math.random unless a test fixes it). */
  random(): number;
  metrics?: ApiServerMetrics | undefined;
}

export type Reply =
  | { kind: 'json'; code: number; body: unknown; warnings?: string[] }
  | { kind: 'streaming' };

interface ResourceRoute {
  kind: ResourceKind;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const STRATEGIC = 'application/strategic-merge-patch+json';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
};

export class RestHandler {
  constructor(
    private readonly service: ResourceService,
    private readonly hub: WatchHub,
    private readonly watches: OpenWatches,
    private readonly config: RestConfig,
  ) {}

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    r: ResourceRoute,
    q: URLSearchParams,
    principal: Principal,
  ): Promise<Reply> {
    const { kind, namespace, name } = r;
    const sub = r.subresource;
    if (sub !== undefined && (sub !== 'status' || !kind.statusSubresource || name === undefined))
      throw errors.pathNotFound(req.url ?? '');
    const status = sub === 'status' ? ('status' as const) : undefined;
    const method = req.method ?? 'GET';
    const table = wantsTable(req.headers.accept);

    if (method === 'GET' || method === 'HEAD') {
      if (name === undefined) {
        if (boolParam(q, 'watch')) return this.watch(res, r, q, { table, principal });
        const result = this.service.listStored(kind, namespace, listQuery(q));
        return {
          kind: 'json',
          code: 200,
          body: table
            ? this.table(kind, { ...result, items: result.items.map((o) => o.object()) }, q)
            : listText(kind, result),
        };
      }
      const stored = this.service.getStored(kind, namespace, name);
      return {
        kind: 'json',
        code: 200,
        body: table
          ? this.table(kind, { items: [stored.object()], resourceVersion: '' }, q)
          : new JsonText(stored.json),
      };
    }

    if (method === 'POST') {
      if (name !== undefined) throw errors.methodNotAllowed(method);
      const body = await this.body(req);
      return written(await this.service.create(kind, namespace, body, this.writeOptions(req, q)));
    }
    if (method === 'PUT') {
      if (name === undefined) throw errors.methodNotAllowed(method);
      const body = await this.body(req);
      return written(
        await this.service.update(
          { kind, namespace, name, subresource: status },
          body,
          this.writeOptions(req, q),
        ),
      );
    }
    if (method === 'PATCH') {
      if (name === undefined) throw errors.methodNotAllowed(method);
      const type = mediaType(req.headers['content-type']);
      const patchType = PATCH_TYPES[type];
      // Strategic merge needs Go struct tags: a real server has them for built-in kinds only.
      const strategicOk = type === STRATEGIC && kind.strategicMerge === true;
      if (!patchType && !strategicOk) throw errors.unsupportedMediaType(type);
      const opts = this.writeOptions(req, q);
      if (patchType === 'apply') {
        if (!q.get('fieldManager'))
          throw errors.badRequest('PATCH requests with apply patch type must have fieldManager set');
        opts.force = boolParam(q, 'force');
      } else if (q.get('force') !== null) {
        throw errors.badRequest('force must be unset for non-apply patch requests');
      }
      const body = await this.body(req);
      return written(
        await this.service.patch(
          { kind, namespace, name, subresource: status },
          patchType ?? 'strategic',
          body,
          opts,
        ),
      );
    }
    if (method === 'DELETE') {
      const dryRun = parseDryRun(q);
      if (name === undefined) {
        const result = await this.service.deleteCollection(kind, namespace, listQuery(q), dryRun);
        return { kind: 'json', code: 200, body: listBody(kind, result) };
      }
      if (status) throw errors.methodNotAllowed(method);
      const raw = await readBody(req, this.config.maxBodyBytes);
      const options = raw.length > 0 ? decodeBody(raw, 'application/json') : {};
      const opts = typeof options === 'object' && options !== null ? (options as KubeObject) : {};
      const bodyDryRun = Array.isArray(opts.dryRun) && opts.dryRun.includes('All');
      return written(await this.service.delete(kind, namespace, name, opts, dryRun || bodyDryRun));
    }
    throw errors.methodNotAllowed(method);
  }

  private watch(
    res: ServerResponse,
    r: ResourceRoute,
    q: URLSearchParams,
    { table, principal }: { table: boolean; principal: Principal },
  ): Reply {
    const { kind, namespace } = r;
    this.watches.admit(principal.tokenId);
    const matches = this.service.matcher(kind, q.get('labelSelector'), q.get('fieldSelector'));
    const rvParam = q.get('resourceVersion');
    let fromRv: number | undefined;
    let initial: StoredObject[] = [];
    if (rvParam === null || rvParam === '' || rvParam === '0') {
      initial = this.service.listStored(kind, namespace, listQuery(q)).items;
    } else {
      fromRv = Number(rvParam);
      if (!Number.isSafeInteger(fromRv) || fromRv < 0)
        throw errors.badRequest(`invalid resource version: ${rvParam}`);
    }
    const timeoutMs = effectiveWatchTimeoutMs(
      secondsParam(q, 'timeoutSeconds'),
      this.config.watchTimeoutMs,
      this.config.random,
    );
    const bookmarks = boolParam(q, 'allowWatchBookmarks');
    const includeObject = q.get('includeObject') ?? 'Metadata';
    const filter: { kind: ResourceKind; namespace?: string; matches: (o: Selectable) => boolean } = {
      kind,
      matches,
    };
    if (namespace !== undefined) filter.namespace = namespace;
    const gauge = this.config.metrics?.watchers;
    let end: (() => void) | undefined;
    end = startWatchStream(res, this.hub, {
      onStart: () => gauge?.inc(),
      onEnd: () => {
        gauge?.dec();
        if (end) this.watches.delete(principal.tokenId, end);
      },
      filter,
      fromRv,
      initial,
      timeoutMs,
      bookmarkIntervalMs: bookmarks ? this.config.bookmarkIntervalMs : 0,
      maxBacklogBytes: this.config.maxWatchBacklogBytes,
      encode: table ? (o) => buildTable(kind, [o], this.config.now(), { includeObject }) : undefined,
      bookmarkObject: (rv) => ({
        kind: kind.kind,
        apiVersion: apiVersionOf(kind),
        metadata: { resourceVersion: rv },
      }),
    });
    if (!res.writableEnded) this.watches.add(principal.tokenId, end);
    return { kind: 'streaming' };
  }

  private table(kind: ResourceKind, result: ListResult, q: URLSearchParams): KubeObject {
    const opts: { includeObject?: string; resourceVersion?: string; continueToken?: string } = {
      includeObject: q.get('includeObject') ?? 'Metadata',
    };
    if (result.resourceVersion) opts.resourceVersion = result.resourceVersion;
    if (result.continueToken) opts.continueToken = result.continueToken;
    return buildTable(kind, result.items, this.config.now(), opts);
  }

  private async body(req: IncomingMessage): Promise<unknown> {
    const raw = await readBody(req, this.config.maxBodyBytes);
    return decodeBody(raw, req.headers['content-type']);
  }

  private writeOptions(req: IncomingMessage, q: URLSearchParams): WriteOptions {
    const manager = q.get('fieldManager');
    if (manager !== null && (manager.length > 128 || manager === ''))
      throw errors.badRequest('fieldManager must be between 1 and 128 characters');
    return {
      dryRun: parseDryRun(q),
      fieldManager: manager ?? defaultFieldManager(req.headers['user-agent']),
      fieldValidation: parseFieldValidation(q.get('fieldValidation')),
    };
  }
}

/**
 * How long one watch lasts: the requested timeoutSeconds when it is within the cap (itself at most
 * MAX_WATCH_TIMEOUT_SECONDS); otherwise — nothing asked, 0, or more — a random time in [cap/2, cap].
 */
export function effectiveWatchTimeoutMs(
  requestedSeconds: number | undefined,
  capMs: number,
  random: () => number,
): number {
  const cap = Math.min(capMs, MAX_WATCH_TIMEOUT_SECONDS * 1000);
  if (requestedSeconds !== undefined && requestedSeconds > 0 && requestedSeconds * 1000 <= cap)
    return requestedSeconds * 1000;
  return Math.round(cap * (0.5 + random() / 2));
}

function parseDryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  if (values.length === 0) return false;
  if (values.every((v) => v === 'All')) return true;
  throw errors.badRequest(
    `dryRun: Unsupported value: ${JSON.stringify(values.find((v) => v !== 'All'))}: supported values: "All"`,
  );
}

function listQuery(q: URLSearchParams) {
  const limitRaw = q.get('limit');
  const limit = limitRaw === null || limitRaw === '' ? undefined : Number(limitRaw);
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0))
    throw errors.badRequest(`invalid limit: ${limitRaw}`);
  return {
    labelSelector: q.get('labelSelector'),
    fieldSelector: q.get('fieldSelector'),
    limit,
    continueToken: q.get('continue'),
  };
}

function listMetadata(r: ListResult<unknown>): Record<string, unknown> {
  const metadata: Record<string, unknown> = { resourceVersion: r.resourceVersion };
  if (r.continueToken) metadata.continue = r.continueToken;
  if (r.remainingItemCount !== undefined) metadata.remainingItemCount = r.remainingItemCount;
  return metadata;
}

function listBody(kind: ResourceKind, r: ListResult): KubeObject {
  return { apiVersion: apiVersionOf(kind), kind: kind.listKind, metadata: listMetadata(r), items: r.items };
}

/** The same list as listBody, joined from the items' stored text (nothing parsed or re-serialized). */
function listText(kind: ResourceKind, r: ListResult<StoredObject>): JsonText {
  const head = `{"apiVersion":${JSON.stringify(apiVersionOf(kind))},"kind":${JSON.stringify(kind.listKind)},"metadata":${JSON.stringify(listMetadata(r))},"items":[`;
  return new JsonText(`${head}${r.items.map((o) => o.json).join(',')}]}`);
}

function written(r: WriteResult): Reply {
  return {
    kind: 'json',
    code: r.code,
    body: r.json !== undefined ? new JsonText(r.json) : r.object,
    warnings: r.warnings,
  };
}
