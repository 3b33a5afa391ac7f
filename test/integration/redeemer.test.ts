import { loadRedeemerConfig } from '../../functions/redeemer/config.js';
import { createRedeemer } from '../../functions/redeemer/wiring.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import { ImageSweepRepository } from '../../lib/db/images/sweep-repo.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { serveForTest } from '../support/function-server.js';
import {
  channelStats,
  createChannel,
  startNsq,
  topicStats,
  type NsqCluster,
} from '../support/nsq.js';
import { readMessages } from '../support/nsq-consumer.js';
import { waitFor } from '../support/processes.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildDeadLetter } from '../../adapters/nsq-cloudevents/dead-letter.js';
import { listDeadLetters, purgeDeadLetters, replayDeadLetters } from '../../cli/dead-letters.js';
import { createApi } from '../../cli/api.js';
import { loadReceiverConfig } from '../../functions/receiver/config.js';
import { createReceiver } from '../../functions/receiver/wiring.js';
import { freePort } from '../support/ports.js';
import { TEST_RECOGNIZER_SECRET } from '../support/recognizer.js';
import { Reader, type Message } from 'nsqjs';
import { buildImageSubmittedEvent, toStructuredJson } from '../../lib/events/image-event.js';

describe('redeemer on real MariaDB and nsqd', () => {
  let database: TestDatabase;
  let nsq: NsqCluster;
  let server: RunningFunctionServer;
  let redeemer: ReturnType<typeof createRedeemer>;
  let ingest: ImageIngestRepository;
  let claims: ImageClaimsRepository;
  let sweep: ImageSweepRepository;
  const topic = 'redeemer_images';

  beforeAll(async () => {
    [database, nsq] = await Promise.all([createTestDatabase(), startNsq()]);
    ingest = new ImageIngestRepository(database.db);
    claims = new ImageClaimsRepository(database.db);
    sweep = new ImageSweepRepository(database.db);
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

  /** Waits (reading only) until `count` images are old enough for the sweep to re-send. */
  const untilStranded = (count: number) =>
    waitFor(`${count} stranded images`, async () => {
      const found = await sweep.findStranded({
        unpublishedMs: 50,
        republishAfterMs: 60_000,
        limit: 100,
      });
      return found.length >= count;
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
    await untilStranded(2);

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
    await untilStranded(1);
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

describe('redeemer: messages nsqd lost', () => {
  let database: TestDatabase;
  let nsq: NsqCluster;
  let redeemer: ReturnType<typeof createRedeemer>;
  let ingest: ImageIngestRepository;
  const topic = 'redeemer_lost';
  // A short lease: an image published 2 × 500 ms ago and not claimed since counts as unclaimed.
  const LOST_AFTER_MS = 1000;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    [database, nsq] = await Promise.all([createTestDatabase(), startNsq()]);
    ingest = new ImageIngestRepository(database.db);
    redeemer = createRedeemer(
      loadRedeemerConfig({
        DATABASE_URL: database.url,
        NSQD_TCP_ADDRESS: nsq.nsqdTcpAddress,
        NSQLOOKUPD_HTTP_ADDRESSES: nsq.lookupdHttpAddress,
        NSQ_TOPIC: topic,
        UNPUBLISHED_AFTER_MS: '60000',
        // The old 15-minute rule stays out of the way: only the lost-message re-send can act.
        REPUBLISH_AFTER_MS: '3600000',
        LOST_AFTER_MS: String(LOST_AFTER_MS),
      }),
      createLogger('redeemer', 'silent'),
    );
    await createChannel(nsq.nsqdHttpAddress, topic);
    await waitFor(
      'lookupd to know nsqd',
      async () => (await fetch(`http://${nsq.lookupdHttpAddress}/lookup?topic=${topic}`)).ok,
    );
  }, 30_000);

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await redeemer?.close();
    await nsq?.stop();
    await database?.drop();
  });

  /** Creates images and publishes their events the way the receiver does. */
  async function submit(names: string[]): Promise<number[]> {
    const { ids } = await ingest.createImages(names);
    const bodies = ids.map((id, i) =>
      toStructuredJson(buildImageSubmittedEvent({ imageId: id, path: names[i]! })),
    );
    const response = await fetch(`http://${nsq.nsqdHttpAddress}/mpub?topic=${topic}`, {
      method: 'POST',
      body: bodies.join('\n'),
    });
    expect(response.ok).toBe(true);
    await ingest.markPublished(ids);
    return ids;
  }

  /** Sweeps until the images are older than LOST_AFTER_MS and the sweep has judged them. */
  async function sweepOnceUnclaimed(expected: number) {
    return waitFor(
      `${expected} unclaimed images`,
      async () => {
        const result = await redeemer.sweep();
        return (result.lost?.unclaimed ?? 0) >= expected ? result : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
  }

  it('re-sends nothing while nsqd still holds as many messages as there are unclaimed images', async () => {
    const ids = await submit(['waiting-1.jpg', 'waiting-2.jpg', 'waiting-3.jpg']);
    const result = await sweepOnceUnclaimed(ids.length);
    expect(result.lost).toEqual({ unclaimed: 3, queued: 3, resent: 0 });
    expect(result.imageIds).toEqual([]);
    expect((await topicStats(nsq.nsqdHttpAddress, topic))?.messageCount).toBe(3);
    // They were waiting, not lost: let a processor take them for the next test.
    expect(await readMessagesOn('processor', 3)).toHaveLength(3);
    await database.db.updateTable('images').set({ status: 'PROCESSED' }).execute();
  }, 30_000);

  it('re-sends within two leases the messages a kill -9 of nsqd lost (in flight and deferred)', async () => {
    const ids = await submit(['in-flight-1.jpg', 'in-flight-2.jpg', 'deferred-1.jpg']);
    // A consumer holds two in flight and requeues one for later, as the adapter would.
    const held: Message[] = [];
    const reader = new Reader(topic, 'processor', {
      nsqdTCPAddresses: [nsq.nsqdTcpAddress],
      maxInFlight: 10,
    });
    let deferred = 0;
    reader.on('message', (message: Message) => {
      if (deferred === 0) {
        deferred += 1;
        message.requeue(60_000, false);
      } else held.push(message);
    });
    reader.on('error', () => undefined);
    reader.connect();
    cleanups.push(async () => reader.close());
    await waitFor('two in flight and one deferred', async () => {
      const stats = await channelStats(nsq.nsqdHttpAddress, topic);
      return stats?.in_flight_count === 2 && stats.deferred_count === 1;
    });

    await nsq.crashNsqd();
    reader.close();
    expect(await queuedAfterCrash()).toBe(0);

    const result = await sweepOnceUnclaimed(ids.length);
    expect(result.lost).toEqual({ unclaimed: 3, queued: 0, resent: 3 });
    expect([...result.imageIds].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    const resent = (await readMessagesOn('processor', 3)).map(
      (body) => (JSON.parse(body) as { data: { imageId: number } }).data.imageId,
    );
    expect(resent.sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    // Re-sent: their clock starts again, nothing more goes out on the next sweep.
    expect((await redeemer.sweep()).republished).toBe(0);
  }, 30_000);

  it('drains dead letters into the table, dropping final images; an admin lists, replays and purges them', async () => {
    const [waiting, done, later] = await submit(['dead-1.jpg', 'dead-2.jpg', 'dead-3.jpg']);
    await readMessagesOn('processor', 3);
    await database.db
      .updateTable('images')
      .set({ status: 'PROCESSED' })
      .where('id', '=', done!)
      .execute();
    const letter = (imageId: number, messageId: string) =>
      buildDeadLetter({
        reason: 'max-attempts',
        detail: 'attempt 10 of 10 failed: 500',
        outcome: { kind: 'response', status: 500 },
        attempts: 10,
        messageId,
        topic,
        channel: 'processor',
        body: Buffer.from(
          toStructuredJson(buildImageSubmittedEvent({ imageId, path: `dead-${imageId}.jpg` })),
        ),
      });
    const publishDead = async (body: string) =>
      expect(
        (
          await fetch(`http://${nsq.nsqdHttpAddress}/pub?topic=${topic}.dead`, {
            method: 'POST',
            body,
          })
        ).ok,
      ).toBe(true);
    await publishDead(letter(waiting!, '0000000000000a01'));
    await publishDead(letter(done!, '0000000000000a02'));

    expect(await redeemer.drainDeadLetters()).toEqual({
      stored: 1,
      duplicate: 0,
      dropped: 1,
      unreadable: 0,
    });

    const receiver = createReceiver(
      loadReceiverConfig({
        DATABASE_URL: database.url,
        NSQD_TCP_ADDRESS: nsq.nsqdTcpAddress,
        NSQ_TOPIC: topic,
        ADMIN_TOKEN: 'dead-letters-admin-token-0123456789',
        RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
        RECOGNIZER_ADDRESS: `127.0.0.1:${await freePort()}`,
        IMAGES_ROOT: await mkdtemp(path.join(tmpdir(), 'facetrail-dead-')),
      }),
      createLogger('receiver', 'silent'),
    );
    const served = await serveForTest(receiver.app);
    cleanups.push(async () => {
      await served.close();
      await receiver.close();
    });
    const api = createApi({ url: served.url, token: 'dead-letters-admin-token-0123456789' });

    const [listed, ...others] = await listDeadLetters(api);
    expect(others).toEqual([]);
    expect(listed).toMatchObject({
      messageId: '0000000000000a01',
      imageId: waiting,
      reason: 'max-attempts',
      status: 500,
      attempts: 10,
      replayedAt: null,
    });

    // Replay: the original event goes back to the topic, and the row says so.
    expect(await replayDeadLetters(api, undefined)).toEqual({ replayed: [listed!.id], dropped: 0 });
    const [replayed] = await readMessagesOn('processor', 1);
    expect(JSON.parse(replayed!)).toMatchObject({ data: { imageId: waiting } });
    expect((await listDeadLetters(api))[0]?.replayedAt).not.toBeNull();

    // Once its image is final, the dead letter goes by itself.
    await database.db
      .updateTable('images')
      .set({ status: 'FAILED' })
      .where('id', '=', waiting!)
      .execute();
    expect(await listDeadLetters(api)).toEqual([]);

    // Purge: an admin deletes what is left.
    await publishDead(letter(later!, '0000000000000a03'));
    expect((await redeemer.drainDeadLetters())?.stored).toBe(1);
    expect(await purgeDeadLetters(api, undefined)).toBe(1);
    expect(await listDeadLetters(api)).toEqual([]);
  }, 30_000);

  async function queuedAfterCrash(): Promise<number> {
    const stats = await channelStats(nsq.nsqdHttpAddress, topic);
    return (stats?.depth ?? 0) + (stats?.in_flight_count ?? 0) + (stats?.deferred_count ?? 0);
  }

  async function readMessagesOn(channel: string, count: number): Promise<string[]> {
    const bodies: string[] = [];
    const reader = new Reader(topic, channel, {
      nsqdTCPAddresses: [nsq.nsqdTcpAddress],
      maxInFlight: 10,
    });
    reader.on('message', (message: Message) => {
      bodies.push(message.body.toString());
      message.finish();
    });
    reader.on('error', () => undefined);
    reader.connect();
    try {
      await waitFor(`${count} messages`, () => bodies.length >= count);
      await waitFor('the FINs to reach nsqd', async () => (await queuedAfterCrash()) === 0);
      return bodies;
    } finally {
      reader.close();
    }
  }
});
