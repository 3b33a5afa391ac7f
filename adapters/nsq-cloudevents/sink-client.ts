import type { BinaryHttpMessage } from './cloudevent.js';
import type { DeliveryOutcome } from './decision.js';
import { parseRetryAfter } from './retry-after.js';

/** POSTs one event to K_SINK and reports what happened; never throws. */
export interface SinkClient {
  deliver(message: BinaryHttpMessage, signal?: AbortSignal): Promise<DeliveryOutcome>;
}

export interface SinkClientOptions {
  url: string;
  /** Bound on the whole exchange, answer body included. */
  timeoutMs: number;
  fetch?: typeof globalThis.fetch;
  /** How much of the sink's answer to keep for logs and dead letters. */
  maxBodyChars?: number;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `${error.message}: ${typeof code === 'string' ? `${code} ` : ''}${cause.message}`;
  }
  return error.message;
}

/**
 * HTTP delivery with fetch. Redirects are not followed: fetch would turn a POST answered with
 * 301/302/303 into a GET, and a 2xx to that GET would finish a message that was never delivered.
 * A 3xx therefore comes back as a status, which the decision table retries.
 */
export function createSinkClient(options: SinkClientOptions): SinkClient {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const maxBodyChars = options.maxBodyChars ?? 500;
  return {
    async deliver(message, shutdown) {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const signal = shutdown ? AbortSignal.any([timeout, shutdown]) : timeout;
      let response: Response;
      try {
        response = await fetchImpl(options.url, {
          method: 'POST',
          headers: message.headers,
          body: message.body,
          redirect: 'manual',
          signal,
        });
      } catch (error) {
        if (shutdown?.aborted) return { kind: 'aborted' };
        if (timeout.aborted) return { kind: 'timeout' };
        return { kind: 'network', error: describeError(error) };
      }
      // Read the (small) answer so the connection can be reused; it is kept for diagnostics.
      // A failure while reading does not change what the status already said.
      let body: string | undefined;
      try {
        const text = await response.text();
        body = text.length > maxBodyChars ? `${text.slice(0, maxBodyChars)}…` : text;
      } catch {
        body = undefined;
      }
      return {
        kind: 'response',
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        body: body === '' ? undefined : body,
      };
    },
  };
}

/**
 * Asks whether the sink can take work: a GET of its readiness URL (the processor's /readyz,
 * which answers 503 while its database is unreachable). Ready = any answer that is neither a
 * 5xx nor a 429: a sink without such a route (a 404 from a Broker) counts as reachable, and the
 * next real delivery decides. Never throws.
 */
export function createSinkProbe(options: {
  url: string;
  timeoutMs: number;
  fetch?: typeof globalThis.fetch;
}): () => Promise<boolean> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  return async () => {
    try {
      const response = await fetchImpl(options.url, {
        method: 'GET',
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.status < 500 && response.status !== 429;
    } catch {
      return false;
    }
  };
}
