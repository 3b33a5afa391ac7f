import { createLogger } from '../../lib/logger.js';
import { ReconnectingWriter, staticNsqdAddresses } from '../../lib/queue/nsq-writer.js';
import { startNsq, topicStats, type NsqCluster } from '../support/nsq.js';

describe('ReconnectingWriter against a real nsqd', () => {
  let nsq: NsqCluster;
  beforeAll(async () => {
    nsq = await startNsq();
  });
  afterAll(async () => {
    await nsq?.stop();
  });

  it('publishes, survives an nsqd restart by reconnecting, and fails clearly while nsqd is down', async () => {
    const publisher = new ReconnectingWriter(
      staticNsqdAddresses([nsq.nsqdTcpAddress]),
      createLogger('test', 'silent'),
      {
        connectTimeoutMs: 1000,
        publishTimeoutMs: 1000,
        retries: 1,
      },
    );
    try {
      await publisher.publish('pub_test', ['one', 'two']);
      expect((await topicStats(nsq.nsqdHttpAddress, 'pub_test'))?.messageCount).toBe(2);

      await nsq.nsqd.stop();
      await expect(publisher.publish('pub_test', ['lost?'])).rejects.toThrow();

      await nsq.restartNsqd();
      await publisher.publish('pub_test', ['three']);
      // Messages kept on disk survived the restart; the new one joined them.
      expect((await topicStats(nsq.nsqdHttpAddress, 'pub_test'))?.depth).toBe(3);
    } finally {
      await publisher.close();
    }
  }, 30_000);
});
