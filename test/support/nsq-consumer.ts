import nsq from 'nsqjs';
import { waitFor } from './processes.js';

/** Reads `count` messages from a topic on a real nsqd (a fresh channel), finishing each. */
export async function readMessages(
  nsqdTcpAddress: string,
  topic: string,
  count: number,
  timeoutMs = 10_000,
): Promise<string[]> {
  const reader = new nsq.Reader(topic, `test_${Date.now()}#ephemeral`, {
    nsqdTCPAddresses: [nsqdTcpAddress],
    maxInFlight: 100,
  });
  const bodies: string[] = [];
  reader.on('message', (message) => {
    bodies.push(message.body.toString());
    message.finish();
  });
  reader.on('error', () => undefined);
  reader.connect();
  try {
    await waitFor(`${count} messages on ${topic}`, () => bodies.length >= count, { timeoutMs });
    return bodies;
  } finally {
    reader.close();
  }
}
