import { Reader, type Message } from 'nsqjs';

export interface DrainOptions {
  topic: string;
  channel: string;
  /** nsqlookupd HTTP addresses, else nsqdTcpAddresses: where the topic is read. */
  lookupdHttpAddresses: string[];
  nsqdTcpAddresses: string[];
  /** Stores one message; a rejection requeues it (for the next drain) and ends this one. */
  handle: (body: Buffer) => Promise<void>;
  /** The drain ends once no message came for this long... */
  idleMs: number;
  /** ...or after this long in all. */
  maxMs: number;
  maxInFlight?: number;
}

/**
 * Reads what a topic's channel holds right now and returns: a consumer for a job that runs on a
 * tick (the redeemer, fired by a PingSource, scales to zero between ticks), not a daemon. nsqd
 * keeps the channel's messages between drains, so nothing is lost while nobody reads.
 */
export function drainTopic(options: DrainOptions): Promise<number> {
  const reader = new Reader(options.topic, options.channel, {
    maxInFlight: options.maxInFlight ?? 50,
    // Requeued messages wait for the next drain rather than being retried at once.
    maxAttempts: 0,
    ...(options.lookupdHttpAddresses.length > 0
      ? { lookupdHTTPAddresses: options.lookupdHttpAddresses }
      : { nsqdTCPAddresses: options.nsqdTcpAddresses }),
  });
  return new Promise<number>((resolve) => {
    let handled = 0;
    let pending = 0;
    let done = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      clearTimeout(overall);
      reader.pause();
      // Let FIN/REQ reach nsqd before the connection closes.
      setImmediate(() => {
        reader.close();
        resolve(handled);
      });
    };
    const waitIdle = () => {
      clearTimeout(idle);
      if (pending === 0) idle = setTimeout(finish, options.idleMs);
    };
    const overall = setTimeout(finish, options.maxMs);
    reader.on('message', (message: Message) => {
      if (done) {
        message.requeue(0, false);
        return;
      }
      pending += 1;
      clearTimeout(idle);
      options
        .handle(message.body)
        .then(
          () => {
            message.finish();
            handled += 1;
          },
          () => {
            message.requeue(0, false);
            finish();
          },
        )
        .finally(() => {
          pending -= 1;
          waitIdle();
        });
    });
    reader.on('error', () => undefined);
    reader.on('nsqd_connected', waitIdle);
    reader.connect();
    // No nsqd has the topic yet: the idle wait still ends the drain.
    waitIdle();
  });
}
