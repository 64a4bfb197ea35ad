/**
 * Output of a run another replica ran, relayed through the replica that was asked.
 *
 * In cluster mode each replica keeps the output of the runs it executed. A redirect to the replica
 * that ran it (the earlier design) works for `kubectl sdj` but not for a browser: its session
 * cookie belongs to the first replica's origin. So the asked replica — after the user's token has
 * been allowed to `get` the job — opens the same output API on the peer (`--dashboard-peer-url`)
 * with THE USER'S OWN bearer token, which the peer checks against the API server like any token,
 * and streams the answer back (followed output too, until the run ends or the client leaves).
 *
 * Never: the token in a URL, a log line or an error message; a second hop (a request that came
 * from a peer carries `X-Ofelia-Relayed-By` and is never relayed again, so a misconfigured URL
 * cannot loop); an unbounded wait (the peer must answer within `headersTimeoutMs`; a plain read
 * may then idle at most `idleTimeoutMs`; a followed one may be silent as long as the run is, with
 * TCP keep-alive probes finding a peer that went away); an unbounded error body (64 KiB).
 * The relayed body is piped with backpressure: a slow client slows the peer, never fills memory.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';

/** Marks a relayed request (value: the relaying replica's node name); such a request is never relayed again. */
export const RELAYED_HEADER = 'x-ofelia-relayed-by';
const MAX_ERROR_BODY = 64 * 1024;

export interface PeerRelayOptions {
  /** The peer's output URL (peer URL + the same path and query). */
  url: URL;
  /** The user's bearer token (sent in the Authorization header only). */
  token: string;
  /** The node the peer runs on, for messages. */
  peerNode: string;
  /** This replica's node name (the RELAYED_HEADER value). */
  fromNode: string;
  follow: boolean;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
}

/** Why a relay failed before anything was sent to the client (an HTTP status and a reason). */
export class PeerRelayError extends Error {
  readonly status = 502;
  readonly reason = 'PeerUnavailable';
}

/**
 * Relays the peer's answer to `res`: its status, and for a 200 the text streamed; for any other
 * status its (bounded) JSON error as is, so a 401/403/404 of the peer reads like our own.
 * Rejects with PeerRelayError when the peer cannot be reached or does not answer in time.
 */
export async function relayPeerOutput(res: ServerResponse, o: PeerRelayOptions): Promise<void> {
  const headersTimeoutMs = o.headersTimeoutMs ?? 10_000;
  const idleTimeoutMs = o.idleTimeoutMs ?? 30_000;
  const answer = await openPeer(o, headersTimeoutMs);
  if (answer.statusCode !== 200) {
    const body = await readBounded(answer);
    res.writeHead(answer.statusCode ?? 502, {
      'Content-Type': answer.headers['content-type'] ?? 'application/json; charset=utf-8',
      'Content-Length': body.length,
    });
    res.end(body);
    return;
  }
  // Headers are in: from now on a plain read may idle `idleTimeoutMs`; a followed run may be
  // silent for as long as it likes (keep-alive probes, set in openPeer, find a dead peer).
  answer.socket.setTimeout(o.follow ? 0 : idleTimeoutMs, () =>
    answer.destroy(new Error(`no output from node ${o.peerNode} within ${idleTimeoutMs} ms`)),
  );
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Accel-Buffering': 'no' });
  try {
    await pipeline(answer, res, { signal: o.signal });
  } catch {
    // The client left, or the peer broke off mid-stream: the status is sent, so the only honest
    // signal left is to cut the client's stream short (pipeline destroyed both ends).
  }
}

function openPeer(o: PeerRelayOptions, headersTimeoutMs: number): Promise<IncomingMessage> {
  const send = o.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(o.url, {
      method: 'GET',
      headers: {
        Authorization: `Bearer ${o.token}`,
        Accept: 'text/plain, application/json',
        [RELAYED_HEADER]: o.fromNode,
      },
      signal: o.signal,
    });
    const deadline = setTimeout(
      () =>
        req.destroy(
          new PeerRelayError(
            `the operator replica on node ${o.peerNode} did not answer within ${headersTimeoutMs} ms`,
          ),
        ),
      headersTimeoutMs,
    );
    req.on('socket', (s) => s.setKeepAlive(true, 15_000));
    req.on('response', (answer) => {
      clearTimeout(deadline);
      resolve(answer);
    });
    req.on('error', (e) => {
      clearTimeout(deadline);
      reject(
        e instanceof PeerRelayError
          ? e
          : new PeerRelayError(
              `the operator replica on node ${o.peerNode} (${o.url.origin}) could not be reached: ${e.message}`,
            ),
      );
    });
    req.end();
  });
}

async function readBounded(answer: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of answer) {
    size += (c as Buffer).length;
    if (size > MAX_ERROR_BODY) {
      answer.destroy();
      break;
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY);
}
