import { Writer } from 'nsqjs';
import pRetry from 'p-retry';
import { ConfigError } from '../config/env.js';
import type { Logger } from '../logger.js';
import { QueueUnavailableError } from '../transient-errors.js';
import type { Publisher } from './publisher.js';

export type { Publisher };

/** Where to publish: asked again every time a connection has to be (re)made. */
export type NsqdAddressSource = () => Promise<string[]>;

/** Splits `host:port` or `[v6]:port`. */
export function splitHostPort(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return [host, Number(address.slice(at + 1))];
}

export function staticNsqdAddresses(addresses: string[]): NsqdAddressSource {
  return () => Promise.resolve([...addresses]);
}

/**
 * Every nsqd the given nsqlookupds know (GET /nodes), as `broadcast_address:tcp_port`. Any nsqd
 * will do for a dead letter: consumers of the dead-letter topic find it through the same lookupds.
 */
export function lookupdNsqdAddresses(
  lookupdHttpAddresses: string[],
  fetchImpl: typeof globalThis.fetch = globalThis.fetch,
): NsqdAddressSource {
  return async () => {
    const found = new Set<string>();
    await Promise.all(
      lookupdHttpAddresses.map(async (lookupd) => {
        try {
          const base = lookupd.includes('://') ? lookupd : `http://${lookupd}`;
          const response = await fetchImpl(new URL('/nodes', base), {
            signal: AbortSignal.timeout(5000),
          });
          if (!response.ok) return;
          const body = (await response.json()) as {
            producers?: Array<{ broadcast_address?: string; hostname?: string; tcp_port?: number }>;
          };
          for (const node of body.producers ?? []) {
            const host = node.broadcast_address || node.hostname;
            if (!host || !node.tcp_port) continue;
            found.add(
              host.includes(':') ? `[${host}]:${node.tcp_port}` : `${host}:${node.tcp_port}`,
            );
          }
        } catch {
          // One lookupd down is not fatal; none answering leaves the list empty.
        }
      }),
    );
    return [...found].sort();
  };
}

export interface ReconnectingWriterOptions {
  connectTimeoutMs?: number;
  publishTimeoutMs?: number;
  /** Retries of one publish (on top of the first try), each on a fresh connection if need be. */
  retries?: number;
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
}

type WriterWithState = Writer & { ready?: boolean };

/** nsqjs throws from close() while its socket is not created yet (it connects on nextTick). */
function closeQuietly(writer: Writer): void {
  try {
    writer.close();
  } catch {
    setImmediate(() => {
      try {
        writer.close();
      } catch {
        // Nothing left to close.
      }
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * An nsqjs Writer that comes back. nsqjs's Writer never reconnects: once its connection closes
 * or fails, every publish errors. This one drops a writer that closed or failed and opens a new
 * one (the next address, round robin) on the next publish; each publish is retried with p-retry.
 */
export class ReconnectingWriter implements Publisher {
  private writer: WriterWithState | undefined;
  private connecting: Promise<WriterWithState> | undefined;
  private next = 0;
  private closed = false;
  private readonly options: Required<ReconnectingWriterOptions>;

  constructor(
    private readonly addresses: NsqdAddressSource,
    private readonly logger: Logger,
    options: ReconnectingWriterOptions = {},
  ) {
    this.options = {
      connectTimeoutMs: 5000,
      publishTimeoutMs: 5000,
      retries: 3,
      retryMinDelayMs: 100,
      retryMaxDelayMs: 2000,
      ...options,
    };
  }

  async publish(topic: string, body: Buffer | string | Array<Buffer | string>): Promise<void> {
    if (Array.isArray(body) && body.length === 0) return;
    try {
      await this.publishWithRetries(topic, body);
    } catch (error) {
      // One stable code for every way the queue can fail us (lib/transient-errors).
      throw new QueueUnavailableError(
        `publishing to ${topic} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  private async publishWithRetries(
    topic: string,
    body: Buffer | string | Array<Buffer | string>,
  ): Promise<void> {
    await pRetry(() => this.publishOnce(topic, body), {
      retries: this.options.retries,
      minTimeout: this.options.retryMinDelayMs,
      maxTimeout: this.options.retryMaxDelayMs,
      shouldRetry: () => !this.closed,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        this.logger.warn(
          { err: error.message, topic, attemptNumber, retriesLeft },
          'publishing to nsqd failed',
        );
      },
    });
  }

  private async publishOnce(
    topic: string,
    body: Buffer | string | Array<Buffer | string>,
  ): Promise<void> {
    if (this.closed) throw new Error('the NSQ writer is closed');
    const writer = await this.connect();
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          writer.publish(topic, body, (error) => (error ? reject(error) : resolve()));
        }),
        this.options.publishTimeoutMs,
        `publishing to ${topic}`,
      );
    } catch (error) {
      this.discard(writer);
      throw error;
    }
  }

  private connect(): Promise<WriterWithState> {
    if (this.writer?.ready) return Promise.resolve(this.writer);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<WriterWithState> {
    const addresses = await this.addresses();
    if (addresses.length === 0) throw new Error('no nsqd known to publish to');
    const address = addresses[this.next++ % addresses.length]!;
    const [host, port] = splitHostPort(address);
    const writer: WriterWithState = new Writer(host, port);
    return new Promise<WriterWithState>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          this.discard(writer);
          reject(error);
        } else if (this.closed) {
          this.discard(writer);
          reject(new Error('the NSQ writer is closed'));
        } else {
          this.writer = writer;
          this.logger.debug({ nsqd: address }, 'connected to nsqd for publishing');
          resolve(writer);
        }
      };
      const timer = setTimeout(
        () => settle(new Error(`timed out connecting to nsqd ${address}`)),
        this.options.connectTimeoutMs,
      );
      writer.on('ready', () => settle());
      // nsqjs emits 'error' on the Writer; an EventEmitter without a listener would crash.
      writer.on('error', (error: Error) => {
        this.logger.warn({ err: error.message, nsqd: address }, 'nsqd writer error');
        settle(new Error(`nsqd ${address}: ${error.message}`));
        this.discard(writer);
      });
      writer.on('closed', () => {
        settle(new Error(`nsqd ${address} closed the connection`));
        this.discard(writer);
      });
      writer.connect();
    });
  }

  private readonly discarded = new WeakSet<Writer>();

  private discard(writer: WriterWithState): void {
    if (this.writer === writer) this.writer = undefined;
    // Closing emits 'closed', whose listener lands here again: close each writer once.
    if (this.discarded.has(writer)) return;
    this.discarded.add(writer);
    closeQuietly(writer);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    if (this.writer) this.discard(this.writer);
  }
}

/**
 * The publisher of a component configured with NSQD_TCP_ADDRESS (receiver, redeemer): short
 * timeouts, because a caller waits and a failed publish is recovered by the redeemer anyway.
 */
export function nsqPublisher(nsqdTcpAddress: string | undefined, logger: Logger): Publisher {
  if (!nsqdTcpAddress) {
    throw new ConfigError(
      'NSQD_TCP_ADDRESS: required (the nsqd to publish to) unless the component runs inside `facetrail start` with the embedded queue',
    );
  }
  return new ReconnectingWriter(staticNsqdAddresses([nsqdTcpAddress]), logger, {
    connectTimeoutMs: 3000,
    publishTimeoutMs: 3000,
    retries: 2,
  });
}
