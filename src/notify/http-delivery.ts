/**
 * Sends one preset's HTTP request with a deadline (AbortSignal.timeout) and reads at most 64 KiB
 * of the answer. A 2xx is delivered; anything else is a DeliveryError whose message names the
 * status, never the URL (it may carry a token). 4xx other than 408/429 are not retried.
 */
import { DeliveryError } from './delivery-error.ts';
import type { HttpRequest } from './formatters/index.ts';

const MAX_ANSWER_BYTES = 64 * 1024;

export async function sendHttp(request: HttpRequest, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError')
      throw new DeliveryError('Timeout', `no answer within ${timeoutMs} ms`);
    throw new DeliveryError('Network', `request failed: ${e.cause?.code ?? e.name}`);
  }
  // Drain (bounded) so the connection can be reused, then judge by the status.
  let read = 0;
  try {
    const reader = response.body?.getReader();
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.byteLength;
      if (read > MAX_ANSWER_BYTES) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    // The status is what counts; a broken answer body is not a failed delivery.
  }
  if (response.status >= 200 && response.status < 300) return;
  const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
  throw new DeliveryError('HttpStatus', `HTTP ${response.status} ${response.statusText}`.trim(), retryable);
}
