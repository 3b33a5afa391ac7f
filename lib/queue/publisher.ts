/**
 * Hands messages to a queue; resolves once the queue has them (for NSQ: nsqd answered OK to
 * PUB, or MPUB for a list), rejects only once every retry failed.
 */
export interface Publisher {
  publish(topic: string, body: Buffer | string | Array<Buffer | string>): Promise<void>;
  close(): Promise<void>;
}
