/** Hands messages to a queue; resolves once the queue has them (for NSQ: nsqd answered OK). */
export interface Publisher {
  publish(topic: string, messages: string[]): Promise<void>;
  close(): Promise<void>;
}
