import { loadRedeemerConfig } from '../../functions/redeemer/config.js';
import { createRedeemer } from '../../functions/redeemer/wiring.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { serveForTest } from '../support/function-server.js';
import { startNsq, topicStats, type NsqCluster } from '../support/nsq.js';
import { readMessages } from '../support/nsq-consumer.js';

describe('redeemer on real MariaDB and nsqd', () => {
  let database: TestDatabase;
  let nsq: NsqCluster;
  let server: RunningFunctionServer;
  let redeemer: ReturnType<typeof createRedeemer>;
  let ingest: ImageIngestRepository;
  let claims: ImageClaimsRepository;
  const topic = 'redeemer_images';

  beforeAll(async () => {
    [database, nsq] = await Promise.all([createTestDatabase(), startNsq()]);
    ingest = new ImageIngestRepository(database.db);
    claims = new ImageClaimsRepository(database.db);
    const config = loadRedeemerConfig({
      DATABASE_URL: database.url,
      NSQD_TCP_ADDRESS: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
      UNPUBLISHED_AFTER_MS: '50',
      REPUBLISH_AFTER_MS: '60000',
    });
    redeemer = createRedeemer(config, createLogger('redeemer', 'silent'));
    server = await serveForTest(redeemer.app);
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await redeemer?.close();
    await nsq?.stop();
    await database?.drop();
  });

  const tick = async () => {
    // What a PingSource sends: a CloudEvent in binary mode.
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'ce-specversion': '1.0',
        'ce-id': 'tick',
        'ce-source': '/apis/v1/namespaces/facetrail/pingsources/redeemer',
        'ce-type': 'dev.knative.sources.ping',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    return {
      status: response.status,
      body: (await response.json()) as { republished: number; imageIds: number[] },
    };
  };

  it('re-sends unpublished PENDING and expired PROCESSING images, once per window, and nothing else', async () => {
    const { ids } = await ingest.createImages([
      'never-published.jpg',
      'published.jpg',
      'lease-expired.jpg',
      'working.jpg',
      'done.jpg',
    ]);
    const [unpublished, published, expired, working, done] = ids as [
      number,
      number,
      number,
      number,
      number,
    ];
    await ingest.markPublished([published, expired, working, done]);
    const claim = async (id: number, leaseMs: number) => {
      const outcome = await claims.claim(id, leaseMs);
      if (outcome.kind !== 'claimed') throw new Error('not claimed');
      return outcome.claim;
    };
    await claim(expired, 1);
    await claim(working, 60_000);
    await claims.complete(await claim(done, 60_000), []);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const first = await tick();
    expect(first.status).toBe(200);
    expect(first.body.imageIds.sort((a, b) => a - b)).toEqual(
      [unpublished, expired].sort((a, b) => a - b),
    );

    const events = (await readMessages(nsq.nsqdTcpAddress, topic, 2)).map((body) =>
      JSON.parse(body),
    );
    expect(events.map((event) => event.data.imageId).sort((a: number, b: number) => a - b)).toEqual(
      [unpublished, expired].sort((a, b) => a - b),
    );
    for (const event of events)
      expect(event).toMatchObject({
        type: 'dev.facetrail.image.submitted',
        source: '/facetrail/redeemer',
      });

    // The unpublished one is now published: not re-sent again inside the window.
    const second = await tick();
    expect(second.body.imageIds).not.toContain(unpublished);
    expect((await topicStats(nsq.nsqdHttpAddress, topic))?.messageCount).toBe(
      2 + second.body.republished,
    );
  }, 30_000);

  it('answers 503 when the queue is down, so the next tick tries again', async () => {
    await ingest.createImages(['while-nsqd-down.jpg']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await nsq.nsqd.stop();
    try {
      expect((await tick()).status).toBe(503);
    } finally {
      await nsq.restartNsqd();
    }
    const retried = await tick();
    expect(retried.status).toBe(200);
    expect(retried.body.republished).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
