/**
 * The HTTPS front of the embedded API server: authentication on every request but /livez and
 * /readyz, routing, the Status error contract, one debug log line per request, and a top-level
 * catch so no input can crash the process (anything unexpected is a 500 Status and an error log).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log/logger.ts';
import type { ApiServerMetrics } from '../../metrics/apiserver-metrics.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { aggregatedDiscovery } from '../discovery/aggregated-discovery.ts';
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  SERVER_VERSION,
} from '../discovery/discovery.ts';
import { openApiDocument, openApiIndex } from '../discovery/openapi.ts';
import { encodeOpenApiV2, OPENAPI_V2_PROTOBUF, openApiV2Document } from '../discovery/openapi-v2.ts';
import type { KindRegistry } from '../kinds/kind-registry.ts';
import { ApiError, errors, fromReasonedError } from '../status-errors.ts';
import { JsonText } from './json-text.ts';
import type { RestHandler } from './rest-handler.ts';
import { route } from './router.ts';

export interface RequestPipeline {
  registry: KindRegistry;
  authenticator: Authenticator;
  rest: RestHandler;
  logger: Logger;
  metrics?: ApiServerMetrics;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  warnings: readonly string[] = [],
  head = false,
  contentType = 'application/json',
): void {
  const text = body instanceof JsonText ? body.text : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache, private',
  };
  if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(head ? undefined : text);
}

function sendError(res: ServerResponse, e: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const retryAfter = e.details?.retryAfterSeconds;
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  sendJson(res, e.code, e.toStatus());
}

/** The request listener; never rejects. */
export function createRequestListener(
  p: RequestPipeline,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    handle(p, req, res)
      .catch((e: unknown) => {
        const mapped = e instanceof ApiError ? e : fromReasonedError(e);
        if (mapped && mapped.code >= 500)
          p.logger.error({ err: e, method: req.method, path: pathOf(req) }, 'request failed');
        if (mapped) {
          sendError(res, mapped);
          return;
        }
        p.logger.error({ err: e, method: req.method, path: pathOf(req) }, 'request failed unexpectedly');
        sendError(res, errors.internal('an internal error occurred; see the server log'));
      })
      .catch((e: unknown) => {
        p.logger.error({ err: e }, 'sending an error response failed');
        res.destroy();
      })
      .finally(() => {
        const ms = Math.round((performance.now() - started) * 10) / 10;
        p.metrics?.observe(req.method ?? 'GET', res.statusCode, ms / 1000);
        // The path without its query: selectors and names may be sensitive, tokens never appear in URLs.
        p.logger.debug({ method: req.method, path: pathOf(req), code: res.statusCode, ms }, 'request');
      });
  };
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!;
}

async function handle(p: RequestPipeline, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://apiserver.invalid');
  const r = route(p.registry, url.pathname);
  if (r.type === 'livez' || r.type === 'readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
    return;
  }
  const principal = p.authenticator.authenticate(bearer(req));
  if (!principal) throw errors.unauthorized();
  if (principal.scope === 'read' && req.method !== 'GET' && req.method !== 'HEAD') {
    throw errors.forbidden(`token "${principal.name}" is read-only: ${req.method} is not allowed`);
  }
  const head = req.method === 'HEAD';
  if (r.type !== 'resource' && req.method !== 'GET' && !head) throw errors.methodNotAllowed(req.method ?? '');
  switch (r.type) {
    case 'version':
      return sendJson(res, 200, SERVER_VERSION, [], head);
    case 'api':
    case 'apis': {
      const agg = aggregatedDiscovery(p.registry, r.type === 'api' ? 'core' : 'named', req.headers.accept);
      if (agg) return sendJson(res, 200, agg.body, [], head, agg.contentType);
      return sendJson(res, 200, r.type === 'api' ? apiVersions() : apiGroupList(p.registry), [], head);
    }
    case 'apiGroup': {
      const g = apiGroup(p.registry, r.group);
      if (!g) throw errors.pathNotFound(url.pathname);
      return sendJson(res, 200, g, [], head);
    }
    case 'resourceList': {
      const list = apiResourceList(p.registry, r.group, r.version);
      if (!list) throw errors.pathNotFound(url.pathname);
      return sendJson(res, 200, list, [], head);
    }
    case 'openapiV2': {
      // kubectl asks for protobuf; JSON only for clients that ask for JSON alone.
      const accept = req.headers.accept ?? '';
      const doc = openApiV2Document(p.registry);
      if (/json/i.test(accept) && !/protobuf/i.test(accept)) return sendJson(res, 200, doc, [], head);
      const body = encodeOpenApiV2(doc);
      res.writeHead(200, {
        'Content-Type': OPENAPI_V2_PROTOBUF,
        'Content-Length': String(body.length),
        'Cache-Control': 'no-cache, private',
      });
      res.end(head ? undefined : body);
      return;
    }
    case 'openapiV3':
      return sendJson(res, 200, openApiIndex(p.registry), [], head);
    case 'openapiV3Doc': {
      const doc = openApiDocument(p.registry, r.group, r.version);
      if (!doc) throw errors.pathNotFound(url.pathname);
      return sendJson(res, 200, doc, [], head);
    }
    case 'resource': {
      const reply = await p.rest.handle(req, res, r, url.searchParams, principal);
      if (reply.kind === 'json') sendJson(res, reply.code, reply.body, reply.warnings, head);
      return;
    }
    case 'notFound':
      throw errors.pathNotFound(url.pathname);
  }
}
