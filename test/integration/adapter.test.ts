// The nsq-cloudevents adapter against a real nsqd + nsqlookupd and a real HTTP sink on port 0.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reader } from 'nsqjs';
import { startAdapter, type RunningAdapter } from '../../adapters/nsq-cloudevents/adapter.js';
import { loadAdapterConfig } from '../../adapters/nsq-cloudevents/config.js';
import { originalBody, type DeadLetterData } from '../../adapters/nsq-cloudevents/dead-letter.js';
import { buildImageSubmittedEvent, toStructuredJson } from '../../lib/events/image-event.js';
import { createLogger } from '../../lib/logger.js';
import { builtEntry } from '../support/built-entry.js';
import {
  channelStats as nsqChannelStats,
  createChannel,
  startNsq,
  topicStats,
  type NsqCluster,
  type NsqdChannelStats,
} from '../support/nsq.js';
import { freePort } from '../support/ports.js';
import { startProcess, waitFor, type RunningProcess } from '../support/processes.js';

function exitCode(proc: RunningProcess): Promise<number | null> {
  if (proc.child.exitCode !== null) return Promise.resolve(proc.child.exitCode);
  return new Promise((resolve) => proc.child.once('exit', (code) => resolve(code)));
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const verbose = Boolean(process.env.FACETRAIL_TEST_VERBOSE);
const logger = createLogger('nsq-cloudevents', verbose ? 'debug' : 'silent');

interface SinkRequest {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface SinkReply {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

interface Sink {
  url: string;
  /** The POSTed events (probes are counted apart). */
  requests: SinkRequest[];
  /** GET /readyz probes received. */
  probes: number;
  /** Requests whose answer was sent. */
  answered: number;
  close(): Promise<void>;
}

/**
 * A CloudEvents sink on a free port (or `port`); `reply` decides each answer (n counts from 1),
 * `ready` the status of GET /readyz (the adapter's probe; 200 by default).
 */
async function startSink(
  reply: (n: number, request: SinkRequest) => SinkReply,
  options: { ready?: () => number; port?: number } = {},
): Promise<Sink> {
  const sink: Sink = {
    url: '',
    requests: [],
    probes: 0,
    answered: 0,
    close: async () => undefined,
  };
  const pending = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/readyz') {
      sink.probes += 1;
      response.writeHead(options.ready?.() ?? 200).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: SinkRequest = {
        at: Date.now(),
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      };
      sink.requests.push(received);
      const answer = reply(sink.requests.length, received);
      const timer = setTimeout(() => {
        pending.delete(timer);
        response.writeHead(answer.status, answer.headers);
        response.end();
        sink.answered += 1;
      }, answer.delayMs ?? 0);
      pending.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  sink.close = () =>
    new Promise<void>((resolve) => {
      for (const timer of pending) clearTimeout(timer);
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return sink;
}

describe('nsq-cloudevents adapter', () => {
  let nsq: NsqCluster;
  const cleanups: Array<() => Promise<void>> = [];

  // nsqd notices a new channel's deferred (requeued) and timed-out messages only after its
  // queue-scan list refreshes, every 5 s (QueueScanRefreshInterval, not a flag). Until then a
  // requeue delay or a message timeout on that channel is silently stretched to up to 5 s,
  // which would make the backoff tests slow and the TOUCH test pass without touching. So every
  // test gets a topic whose channel was created before a refresh that already happened, and
  // the refresh is observed, not slept for: a probe channel created after the pool gets a
  // message deferred by 1 ms, which becomes ready only once a refresh has listed the probe
  // channel, and with it every channel created before it.
  const pool: string[] = [];

  beforeAll(async () => {
    nsq = await startNsq();
    for (let i = 1; i <= 16; i++) {
      const topic = `adapter-${process.pid}-${i}`;
      await createChannel(nsq.nsqdHttpAddress, topic);
      pool.push(topic);
    }
    await waitFor('lookupd to know the topics', async () => {
      const responses = await Promise.all(
        pool.map((topic) => fetch(`http://${nsq.lookupdHttpAddress}/lookup?topic=${topic}`)),
      );
      return responses.every((response) => response.ok);
    });
    const probe = `adapter-${process.pid}-scan-probe`;
    await createChannel(nsq.nsqdHttpAddress, probe);
    const deferred = await fetch(`http://${nsq.nsqdHttpAddress}/pub?topic=${probe}&defer=1`, {
      method: 'POST',
      body: 'probe',
    });
    expect(deferred.status).toBe(200);
    await waitFor(
      "nsqd's queue scan to list the pool's channels",
      async () => {
        const stats = await channelStats(probe);
        return stats?.deferred_count === 0 && stats.depth === 1;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
  }, 30_000);

  afterEach(async () => {
    // Adapters first (they drain into the sink), then sinks and readers.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 20_000);

  afterAll(async () => {
    await nsq?.stop();
  }, 20_000);

  /** A topic of its own for each test, with its channel known to nsqd and nsqlookupd. */
  function newTopic(): string {
    const topic = pool.shift();
    if (!topic) throw new Error('the topic pool is empty: make it bigger');
    return topic;
  }

  async function publish(topic: string, body: string | Buffer): Promise<void> {
    const response = await fetch(`http://${nsq.nsqdHttpAddress}/pub?topic=${topic}`, {
      method: 'POST',
      body,
    });
    expect(response.status).toBe(200);
  }

  function channelStats(
    topic: string,
    channel = 'processor',
  ): Promise<NsqdChannelStats | undefined> {
    return nsqChannelStats(nsq.nsqdHttpAddress, topic, channel);
  }

  /** Waits until every message of the channel is finished: none queued, in flight or deferred. */
  async function settled(topic: string, messages: number): Promise<NsqdChannelStats> {
    return waitFor(
      `${topic}/processor to settle`,
      async () => {
        const stats = await channelStats(topic);
        const done =
          stats &&
          stats.message_count === messages &&
          stats.depth === 0 &&
          stats.in_flight_count === 0 &&
          stats.deferred_count === 0;
        return done ? stats : undefined;
      },
      { timeoutMs: 15_000 },
    );
  }

  async function adapter(env: Record<string, string>): Promise<RunningAdapter> {
    const config = loadAdapterConfig({
      K_CE_OVERRIDES: '{"extensions":{"cluster":"test"}}',
      NSQ_LOOKUPD_POLL_INTERVAL_SECONDS: '1',
      BACKOFF_BASE_MS: '50',
      BACKOFF_MAX_MS: '2000',
      DELIVERY_TIMEOUT_MS: '5000',
      HEALTH_PORT: '0',
      ...env,
    });
    const running = await startAdapter(config, logger, { healthHost: '127.0.0.1' });
    cleanups.push(() => running.stop());
    return running;
  }

  async function sink(
    reply: (n: number, request: SinkRequest) => SinkReply,
    options: { ready?: () => number; port?: number } = {},
  ): Promise<Sink> {
    const started = await startSink(reply, options);
    cleanups.push(() => started.close());
    return started;
  }

  /** Collects what arrives on a topic (the dead-letter topic) through an nsqjs Reader. */
  function collect(topic: string): string[] {
    const received: string[] = [];
    const reader = new Reader(topic, 'inspect', {
      nsqdTCPAddresses: [nsq.nsqdTcpAddress],
      maxInFlight: 10,
      // Reconnects after an nsqd restart within a second (nsqjs's default: 60 s).
      lookupdPollInterval: 1,
    });
    reader.on('message', (message) => {
      received.push(message.body.toString());
      message.finish();
    });
    reader.on('error', () => undefined);
    reader.connect();
    cleanups.push(async () => {
      // Let the last FIN reach nsqd before closing.
      await waitFor(
        `${topic}/inspect to have nothing in flight`,
        async () => (await channelStats(topic, 'inspect'))?.in_flight_count !== 1 || undefined,
        { timeoutMs: 5_000, intervalMs: 20 },
      ).catch(() => undefined);
      reader.close();
    });
    return received;
  }

  it('delivers in binary mode and finishes on 2xx (nsqlookupd discovery)', async () => {
    const topic = newTopic();
    const target = await sink(() => ({ status: 202 }));
    const running = await adapter({
      K_SINK: target.url,
      NSQLOOKUPD_HTTP_ADDRESSES: nsq.lookupdHttpAddress,
      NSQ_TOPIC: topic,
    });

    const event = buildImageSubmittedEvent({ imageId: 7, path: 'door-1/a.jpg' });
    await publish(topic, toStructuredJson(event));
    await publish(topic, 'plain text, not an event');
    await waitFor('two deliveries', () => target.requests.length === 2 && target.answered === 2);

    const forwarded = target.requests.find((request) => request.headers['ce-id'] === event.id);
    expect(forwarded?.headers).toMatchObject({
      'ce-id': event.id,
      'ce-type': 'dev.facetrail.image.submitted',
      'ce-source': '/facetrail/receiver',
      'ce-specversion': '1.0',
      'ce-subject': '7',
      'ce-time': event.time,
      'ce-cluster': 'test',
      'content-type': 'application/json',
    });
    expect(JSON.parse(forwarded!.body)).toEqual({ imageId: 7, path: 'door-1/a.jpg' });

    const wrapped = target.requests.find((request) => request.headers['ce-id'] !== event.id);
    expect(wrapped?.headers).toMatchObject({
      'ce-type': 'dev.facetrail.nsq.message',
      'ce-source': `/facetrail/nsq/${topic}/processor`,
      'ce-specversion': '1.0',
      'ce-cluster': 'test',
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(wrapped?.headers['ce-id']).toMatch(/^[0-9a-f]{16}$/);
    expect(wrapped?.body).toBe('plain text, not an event');

    const stats = await settled(topic, 2);
    expect(stats).toMatchObject({ requeue_count: 0, timeout_count: 0 });
    expect((await topicStats(nsq.nsqdHttpAddress, topic))?.channels.processor).toMatchObject({
      depth: 0,
      inFlight: 0,
      finished: 2,
    });

    const ready = await fetch(`http://127.0.0.1:${running.healthPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ nsqdConnections: 1, discovery: 'nsqlookupd' });
    expect((await fetch(`http://127.0.0.1:${running.healthPort}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${running.healthPort}/metrics`)).text();
    expect(metrics).toMatch(
      /facetrail_adapter_delivered_total\{type="dev.facetrail.image.submitted"\} 1/,
    );
    expect(metrics).toMatch(
      /facetrail_adapter_delivered_total\{type="dev.facetrail.nsq.message"\} 1/,
    );
    expect(metrics).toMatch(/facetrail_adapter_delivery_duration_seconds_count\{outcome="202"\} 2/);
  }, 20_000);

  it('requeues on 503 honouring Retry-After, then delivers once (direct nsqd)', async () => {
    const topic = newTopic();
    const target = await sink((n) =>
      n <= 2 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 },
    );
    const running = await adapter({
      K_SINK: target.url,
      NSQD_TCP_ADDRESSES: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
    });

    await publish(topic, toStructuredJson(buildImageSubmittedEvent({ imageId: 8, path: 'b.jpg' })));
    const stats = await settled(topic, 1);
    expect(target.requests).toHaveLength(3);
    expect(stats.requeue_count).toBeGreaterThanOrEqual(2);
    // Retry-After: 1 was honoured (not the 50 ms backoff).
    expect(target.requests[1]!.at - target.requests[0]!.at).toBeGreaterThanOrEqual(900);
    expect(target.requests[2]!.at - target.requests[1]!.at).toBeGreaterThanOrEqual(900);
    expect(new Set(target.requests.map((request) => request.headers['ce-id'])).size).toBe(1);
    // settled() saw the message finished: nothing is left to deliver again.
    expect(target.requests).toHaveLength(3);
    const metrics = await (await fetch(`http://127.0.0.1:${running.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/facetrail_adapter_requeued_total\{outcome="503"\} 2/);
  }, 20_000);

  it('dead-letters a non-retryable 400 at once (dead-letter nsqd found through nsqlookupd)', async () => {
    const topic = newTopic();
    const deadLetters = collect(`${topic}.dead`);
    const target = await sink(() => ({ status: 400 }));
    await adapter({
      K_SINK: target.url,
      NSQLOOKUPD_HTTP_ADDRESSES: nsq.lookupdHttpAddress,
      NSQ_TOPIC: topic,
    });

    const body = '{"not":"an event"}';
    await publish(topic, body);
    await waitFor('a dead letter', () => deadLetters.length === 1);
    await settled(topic, 1);
    expect(target.requests).toHaveLength(1);
    const letter = JSON.parse(deadLetters[0]!) as { type: string; data: DeadLetterData };
    expect(letter.type).toBe('dev.facetrail.nsq.deadletter');
    expect(letter.data).toMatchObject({
      reason: 'non-retryable-status',
      status: 400,
      attempts: 1,
      topic,
      channel: 'processor',
    });
    expect(originalBody(letter).toString()).toBe(body);
    expect((await channelStats(topic))?.requeue_count).toBe(0);
  }, 20_000);

  it('dead-letters after exactly MAX_ATTEMPTS calls when the sink keeps failing', async () => {
    const topic = newTopic();
    const deadLetters = collect(`${topic}.dead`);
    const target = await sink(() => ({ status: 500 }));
    const running = await adapter({
      K_SINK: target.url,
      NSQLOOKUPD_HTTP_ADDRESSES: nsq.lookupdHttpAddress,
      NSQD_TCP_ADDRESS: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
      MAX_ATTEMPTS: '3',
    });

    await publish(topic, Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    await waitFor('a dead letter', () => deadLetters.length === 1);
    await settled(topic, 1);
    // Finished (dead-lettered): nothing is left to deliver again.
    expect(target.requests).toHaveLength(3);
    expect(deadLetters).toHaveLength(1);
    const letter = JSON.parse(deadLetters[0]!) as { data: DeadLetterData };
    expect(letter.data).toMatchObject({
      reason: 'max-attempts',
      status: 500,
      attempts: 3,
      bodyEncoding: 'base64',
    });
    expect(originalBody(letter)).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    expect((await channelStats(topic))?.requeue_count).toBe(2);
    const metrics = await (await fetch(`http://127.0.0.1:${running.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/facetrail_adapter_dead_lettered_total\{reason="max-attempts"\} 1/);
  }, 20_000);

  /** The RDY counts the channel's consumers have given nsqd (one per connection). */
  async function readyCounts(topic: string): Promise<number[]> {
    return ((await channelStats(topic))?.clients ?? []).map((client) => client.ready_count);
  }

  async function metricsOf(running: RunningAdapter): Promise<string> {
    return (await fetch(`http://127.0.0.1:${running.healthPort}/metrics`)).text();
  }

  /** While the sink is down: nothing held, the backlog waiting in nsqd, every consumer at RDY 0. */
  async function backlogHeld(topic: string, messages: number): Promise<void> {
    await waitFor(
      'RDY 0 with the backlog in nsqd',
      async () => {
        const stats = await channelStats(topic);
        const ready = await readyCounts(topic);
        return (
          stats?.depth === messages &&
          stats.in_flight_count === 0 &&
          stats.deferred_count === 0 &&
          ready.length > 0 &&
          ready.every((count) => count === 0)
        );
      },
      { timeoutMs: 10_000 },
    );
  }

  it('stops pulling while the sink answers 503 for longer than its attempts would last, dead-letters nothing, then delivers all', async () => {
    const topic = newTopic();
    const deadLetters = collect(`${topic}.dead`);
    let down = true;
    const target = await sink(
      () => (down ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 }),
      { ready: () => (down ? 503 : 200) },
    );
    const running = await adapter({
      K_SINK: target.url,
      NSQD_TCP_ADDRESSES: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
      // Counted as before, the 503s would dead-letter each message after 2 tries (~1 s).
      MAX_ATTEMPTS: '2',
      MAX_IN_FLIGHT: '4',
      PROBE_BASE_MS: '50',
      PROBE_MAX_MS: '200',
    });

    for (let i = 1; i <= 6; i++) await publish(topic, `backlog ${i}`);
    await waitFor('the first refusal', () => target.requests.length >= 1);
    await backlogHeld(topic, 6);
    const refused = target.requests.length;
    // The outage outlasts MAX_ATTEMPTS × Retry-After many times over: a dozen probes later...
    await waitFor('a dozen probes', () => target.probes >= 12, { timeoutMs: 15_000 });
    await backlogHeld(topic, 6);
    expect(target.requests.length).toBe(refused);
    expect(refused).toBeLessThanOrEqual(4);
    expect(await metricsOf(running)).toMatch(/facetrail_adapter_sink_paused 1/);

    down = false;
    const stats = await settled(topic, 6);
    expect(stats.timeout_count).toBe(0);
    const delivered = new Set(
      target.requests.filter((request) => request.body.startsWith('backlog')).map((r) => r.body),
    );
    expect(delivered.size).toBe(6);
    expect(deadLetters).toHaveLength(0);
    const metrics = await metricsOf(running);
    expect(metrics).toMatch(/facetrail_adapter_sink_paused 0/);
    expect(metrics).not.toMatch(/facetrail_adapter_dead_lettered_total\{/);
  }, 30_000);

  it('stops pulling while the sink cannot be reached, then delivers all when it is back', async () => {
    const topic = newTopic();
    const deadLetters = collect(`${topic}.dead`);
    const port = await freePort();
    const running = await adapter({
      K_SINK: `http://127.0.0.1:${port}/`,
      NSQD_TCP_ADDRESSES: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
      MAX_ATTEMPTS: '2',
      PROBE_BASE_MS: '50',
      PROBE_MAX_MS: '200',
    });

    for (let i = 1; i <= 5; i++) await publish(topic, `unreachable ${i}`);
    await backlogHeld(topic, 5);
    await waitFor(
      'a dozen failed probes',
      async () => {
        const found = /facetrail_adapter_sink_probes_total\{ready="false"\} (\d+)/.exec(
          await metricsOf(running),
        );
        return Number(found?.[1] ?? 0) >= 12;
      },
      { timeoutMs: 15_000 },
    );
    await backlogHeld(topic, 5);

    const target = await sink(() => ({ status: 200 }), { port });
    await settled(topic, 5);
    expect(new Set(target.requests.map((request) => request.body)).size).toBe(5);
    expect(deadLetters).toHaveLength(0);
  }, 30_000);

  it('still dead-letters a message after MAX_ATTEMPTS failures of its own, whatever backpressure it met', async () => {
    const topic = newTopic();
    const deadLetters = collect(`${topic}.dead`);
    // Three refusals of the whole sink, then an error specific to this message, forever.
    const target = await sink((n) =>
      n <= 3 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 500 },
    );
    await adapter({
      K_SINK: target.url,
      NSQD_TCP_ADDRESSES: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
      MAX_ATTEMPTS: '3',
      PROBE_BASE_MS: '50',
      PROBE_MAX_MS: '200',
    });

    await publish(topic, 'poison');
    await waitFor('a dead letter', () => deadLetters.length === 1, { timeoutMs: 15_000 });
    await settled(topic, 1);
    expect(target.requests).toHaveLength(6);
    const letter = JSON.parse(deadLetters[0]!) as { data: DeadLetterData };
    expect(letter.data).toMatchObject({ reason: 'max-attempts', status: 500, attempts: 3 });
  }, 30_000);

  it('TOUCHes a message while a sink slower than the message timeout works, and delivers it once', async () => {
    const topic = newTopic();
    const control = newTopic();
    const target = await sink(() => ({ status: 200, delayMs: 3500 }));
    await adapter({
      K_SINK: target.url,
      NSQD_TCP_ADDRESSES: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
      // nsqd's smallest per-client message timeout, asked for in IDENTIFY.
      NSQ_MSG_TIMEOUT_MS: '1000',
      DELIVERY_TIMEOUT_MS: '10000',
    });
    // Control: the same slow handling without TOUCH does time out in this setup.
    const controlAttempts: number[] = [];
    const reader = new Reader(control, 'processor', {
      nsqdTCPAddresses: [nsq.nsqdTcpAddress],
      messageTimeout: 1000,
      maxInFlight: 1,
    });
    reader.on('message', (message) => {
      controlAttempts.push(message.attempts);
      if (message.attempts === 1) setTimeout(() => message.finish(), 3500);
      else message.finish();
    });
    reader.on('error', () => undefined);
    reader.connect();
    cleanups.push(async () => reader.close());

    await publish(topic, 'slow one');
    await publish(control, 'slow one, untouched');
    const stats = await settled(topic, 1);
    expect(target.requests).toHaveLength(1);
    expect(stats).toMatchObject({ timeout_count: 0, requeue_count: 0 });
    expect(controlAttempts).toEqual([1, 2]);
    expect((await channelStats(control))?.timeout_count).toBe(1);
  }, 20_000);

  it('drains an in-flight delivery on stop', async () => {
    const topic = newTopic();
    const target = await sink(() => ({ status: 200, delayMs: 1500 }));
    const running = await adapter({
      K_SINK: target.url,
      NSQD_TCP_ADDRESSES: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
    });

    await publish(topic, 'in flight during shutdown');
    await waitFor('the delivery to start', () => target.requests.length === 1);
    const stopping = Date.now();
    await running.stop();
    expect(Date.now() - stopping).toBeGreaterThanOrEqual(1000);
    expect(target.answered).toBe(1);
    const stats = await settled(topic, 1);
    expect(stats).toMatchObject({ requeue_count: 0, timeout_count: 0 });
    await expect(fetch(`http://127.0.0.1:${running.healthPort}/healthz`)).rejects.toThrow();
  }, 20_000);

  it('takes no new messages while draining, even with an unreachable nsqd in the list', async () => {
    const topic = newTopic();
    const target = await sink((n) => ({ status: 200, delayMs: n === 1 ? 1500 : 0 }));
    // An "nsqd" that drops every connection at once: the reader's attempts on it fail.
    let refusedConnections = 0;
    const refuser = createNetServer((socket) => {
      refusedConnections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => refuser.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => refuser.close(() => resolve())));
    const unreachable = `127.0.0.1:${(refuser.address() as AddressInfo).port}`;
    const running = await adapter({
      K_SINK: target.url,
      NSQD_TCP_ADDRESSES: `${nsq.nsqdTcpAddress},${unreachable}`,
      NSQ_TOPIC: topic,
    });
    // Let the reader fail to reach the unreachable one at least once (it retries every second).
    await waitFor('a failed connection attempt', () => refusedConnections >= 1, {
      timeoutMs: 5_000,
    });

    await publish(topic, 'in flight');
    await waitFor('the delivery to start', () => target.requests.length === 1);
    const stopped = running.stop();
    await waitFor('RDY 0 to reach nsqd', async () =>
      (await readyCounts(topic)).every((count) => count === 0),
    );
    await publish(topic, 'published while draining');
    await stopped;
    expect(target.requests).toHaveLength(1);
    // nsqd applies the last FIN asynchronously: read the stats once it has.
    const stats = await waitFor('nsqd to apply the FIN', async () => {
      const current = await channelStats(topic);
      return current?.in_flight_count === 0 ? current : undefined;
    });
    expect(stats).toMatchObject({
      message_count: 2,
      depth: 1,
      in_flight_count: 0,
      requeue_count: 0,
    });
  }, 20_000);

  it('requeues what is still in flight when the shutdown timeout passes', async () => {
    const topic = newTopic();
    const target = await sink(() => ({ status: 200, delayMs: 5000 }));
    const running = await adapter({
      K_SINK: target.url,
      NSQD_TCP_ADDRESSES: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
      SHUTDOWN_TIMEOUT_MS: '300',
    });

    await publish(topic, 'too slow to drain');
    await waitFor('the delivery to start', () => target.requests.length === 1);
    const stopping = Date.now();
    await running.stop();
    expect(Date.now() - stopping).toBeLessThan(2000);
    // Not lost: back in the channel for the next adapter.
    const stats = await waitFor('the message to be requeued', async () => {
      const current = await channelStats(topic);
      return current?.depth === 1 && current.in_flight_count === 0 ? current : undefined;
    });
    expect(stats.requeue_count).toBe(1);
  }, 20_000);

  it('requeues instead of dropping when the dead letter cannot be published', async () => {
    const topic = newTopic();
    const target = await sink(() => ({ status: 400 }));
    const running = await adapter({
      K_SINK: target.url,
      NSQD_TCP_ADDRESSES: nsq.nsqdTcpAddress,
      // Nothing listens there.
      NSQD_TCP_ADDRESS: `127.0.0.1:${await freePort()}`,
      NSQ_TOPIC: topic,
    });

    await publish(topic, 'cannot be dead-lettered');
    const stats = await waitFor(
      'a requeue',
      async () => {
        const current = await channelStats(topic);
        return current && current.requeue_count >= 1 ? current : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(stats.message_count).toBe(1);
    const metrics = await (await fetch(`http://127.0.0.1:${running.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/facetrail_adapter_dead_letter_failures_total [1-9]/);
    expect(metrics).not.toMatch(/facetrail_adapter_dead_lettered_total\{/);
    // Still in NSQ (requeued, waiting for its next attempt), not finished.
    const current = await channelStats(topic);
    expect(
      (current?.depth ?? 0) + (current?.deferred_count ?? 0) + (current?.in_flight_count ?? 0),
    ).toBe(1);
  }, 20_000);

  describe('main.ts', () => {
    const main = () => builtEntry('adapters/nsq-cloudevents/main.ts');

    it('exits 0 after SIGTERM', async () => {
      const topic = newTopic();
      const target = await sink(() => ({ status: 200 }));
      const port = await freePort();
      const child = startProcess('adapter-main', process.execPath, [await main()], {
        cwd: repoRoot,
        env: {
          ...process.env,
          K_SINK: target.url,
          NSQLOOKUPD_HTTP_ADDRESSES: nsq.lookupdHttpAddress,
          NSQ_TOPIC: topic,
          NSQ_LOOKUPD_POLL_INTERVAL_SECONDS: '1',
          HEALTH_PORT: String(port),
        },
      });
      cleanups.push(() => child.stop());
      await waitFor(
        'main to be ready',
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
        { timeoutMs: 15_000 },
      );
      await publish(topic, 'via main');
      await waitFor('a delivery', () => target.answered === 1);
      child.child.kill('SIGTERM');
      expect(await exitCode(child)).toBe(0);
      expect(child.output()).toMatch(/nsq-cloudevents adapter stopped/);
    }, 25_000);

    it('exits 2 naming the variable on a bad configuration', async () => {
      const child = startProcess('adapter-main', process.execPath, [await main()], {
        cwd: repoRoot,
        env: {
          ...process.env,
          K_SINK: 'not a url',
          NSQLOOKUPD_HTTP_ADDRESSES: '',
          NSQD_TCP_ADDRESSES: '',
        },
      });
      cleanups.push(() => child.stop());
      expect(await exitCode(child)).toBe(2);
      expect(child.output()).toMatch(/K_SINK: expected an http\(s\) URL/);
    }, 15_000);
  });

  // Last: it restarts the shared nsqd.
  it('reconnects the dead-letter writer after nsqd restarts', async () => {
    const topic = newTopic();
    const deadLetters = collect(`${topic}.dead`);
    const target = await sink(() => ({ status: 400 }));
    const running = await adapter({
      K_SINK: target.url,
      NSQD_TCP_ADDRESSES: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
    });
    const connections = async () =>
      (
        (await (await fetch(`http://127.0.0.1:${running.healthPort}/readyz`)).json()) as {
          nsqdConnections: number;
        }
      ).nsqdConnections;

    await publish(topic, 'before the restart');
    await waitFor('the first dead letter', () => deadLetters.length === 1);
    await nsq.restartNsqd();
    await waitFor('the adapter to reconnect', async () => (await connections()) === 1, {
      timeoutMs: 10_000,
    });
    await publish(topic, 'after the restart');
    await waitFor('the second dead letter', () => deadLetters.length === 2, { timeoutMs: 15_000 });
    expect(
      deadLetters.map((letter) =>
        originalBody(JSON.parse(letter) as { data: DeadLetterData }).toString(),
      ),
    ).toEqual(['before the restart', 'after the restart']);
  }, 30_000);
});
