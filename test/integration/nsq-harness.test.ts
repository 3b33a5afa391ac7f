import { startNsq, topicStats, type NsqCluster } from '../support/nsq.js';

describe('nsq test harness', () => {
  let nsq: NsqCluster;
  beforeAll(async () => {
    nsq = await startNsq();
  });
  afterAll(async () => {
    await nsq?.stop();
  });

  it('runs a real nsqd registered with nsqlookupd', async () => {
    const pub = await fetch(`http://${nsq.nsqdHttpAddress}/pub?topic=harness`, {
      method: 'POST',
      body: 'hello',
    });
    expect(pub.status).toBe(200);
    const stats = await topicStats(nsq.nsqdHttpAddress, 'harness');
    expect(stats?.messageCount).toBe(1);
    const lookup = await fetch(`http://${nsq.lookupdHttpAddress}/lookup?topic=harness`);
    const body = (await lookup.json()) as { producers: Array<{ tcp_port: number }> };
    expect(body.producers.map((producer) => `127.0.0.1:${producer.tcp_port}`)).toContain(
      nsq.nsqdTcpAddress,
    );
  });
});
