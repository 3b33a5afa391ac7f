import nsq from 'nsqjs';
import pRetry from 'p-retry';
import type { Logger } from '../logger.js';
import type { Publisher } from './publisher.js';

export interface NsqPublisherOptions {
  /** nsqd TCP address, host:port. */
  address: string;
  /** How long one connect or publish may take before it counts as failed. */
  timeoutMs?: number;
  /** Extra tries after the first, with backoff, before publish() rejects. */
  retries?: number;
  logger?: Logger;
}

type Writer = InstanceType<typeof nsq.Writer>;

/**
 * Publishes to one nsqd. nsqjs's Writer never reconnects after its connection closes, so this
 * keeps at most one live Writer and replaces it whenever it closes or errors; each publish
 * waits for a ready connection and is retried with backoff (p-retry) on failure.
 */
export class NsqPublisher implements Publisher {
  private writer: Writer | undefined;
  private connecting: Promise<Writer> | undefined;
  private closed = false;
  private readonly host: string;
  private readonly port: number;
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(private readonly options: NsqPublisherOptions) {
    const separator = options.address.lastIndexOf(':');
    this.host = options.address.slice(0, separator).replace(/^\[|\]$/g, '');
    this.port = Number(options.address.slice(separator + 1));
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.retries = options.retries ?? 2;
  }

  async publish(topic: string, messages: string[]): Promise<void> {
    if (messages.length === 0) return;
    await pRetry(
      async () => {
        if (this.closed) throw new Error('publisher is closed');
        const writer = await this.connected();
        await this.send(writer, topic, messages);
      },
      {
        retries: this.retries,
        minTimeout: 100,
        maxTimeout: 1000,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          this.options.logger?.warn(
            { err: error.message, attemptNumber, retriesLeft, topic },
            'nsq publish failed',
          );
          this.discard();
        },
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.discard();
  }

  private connected(): Promise<Writer> {
    if (this.writer) return Promise.resolve(this.writer);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private connect(): Promise<Writer> {
    return new Promise<Writer>((resolve, reject) => {
      const writer = new nsq.Writer(this.host, this.port, {});
      const timer = setTimeout(() => {
        writer.removeAllListeners();
        writer.on('error', () => undefined);
        writer.close();
        reject(
          new Error(`nsqd ${this.options.address} did not answer within ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      writer.once('ready', () => {
        clearTimeout(timer);
        this.writer = writer;
        resolve(writer);
      });
      // A writer that errors or closes is dropped; the next publish connects afresh.
      writer.on('error', (error: Error) => {
        clearTimeout(timer);
        if (this.writer === writer) this.discard();
        reject(error);
      });
      writer.on('closed', () => {
        clearTimeout(timer);
        if (this.writer === writer) this.writer = undefined;
        reject(new Error(`connection to nsqd ${this.options.address} closed`));
      });
      writer.connect();
    });
  }

  private send(writer: Writer, topic: string, messages: string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // nsqjs may never call back if the connection dies mid-publish.
      const timer = setTimeout(
        () => reject(new Error(`nsqd did not acknowledge within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      writer.publish(topic, messages, (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      });
    });
  }

  private discard(): void {
    const writer = this.writer;
    this.writer = undefined;
    if (writer) {
      writer.removeAllListeners();
      writer.on('error', () => undefined);
      try {
        writer.close();
      } catch {
        // already closed
      }
    }
  }
}
