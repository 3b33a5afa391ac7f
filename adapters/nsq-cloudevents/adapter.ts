import { Reader, type Message, type ReaderConnectionConfigOptions } from 'nsqjs';
import { startHealthServer, type Readiness } from '../../lib/http/health.js';
import type { Logger } from '../../lib/logger.js';
import type { AdapterConfig } from './config.js';
import { createDeadLetterSink } from './dead-letter.js';
import { createMessageHandler, fromNsqMessage } from './handler.js';
import { createAdapterMetrics, type AdapterMetrics } from './metrics.js';
import {
  ReconnectingWriter,
  lookupdNsqdAddresses,
  staticNsqdAddresses,
  type Publisher,
} from '../../lib/queue/nsq-writer.js';
import { createSinkClient, createSinkProbe } from './sink-client.js';
import { createFreeRedeliveries } from './attempts.js';
import { createBackpressureGate } from './backpressure.js';

/** What startAdapter builds by default; tests and the standalone launcher may pass their own. */
export interface AdapterDependencies {
  fetch?: typeof globalThis.fetch;
  /** Publisher for dead letters (default: a ReconnectingWriter to the configured nsqd). */
  publisher?: Publisher;
  metrics?: AdapterMetrics;
  /** Node's default process metrics on /metrics (main.ts turns them on). */
  defaultMetrics?: boolean;
  /** Interface the health server binds (default: all). */
  healthHost?: string;
}

export interface RunningAdapter {
  /** The port /healthz, /readyz and /metrics answer on (useful with HEALTH_PORT=0). */
  healthPort: number;
  metrics: AdapterMetrics;
  /**
   * Graceful stop: takes no new messages (RDY 0; any still arriving are requeued at once), waits
   * up to SHUTDOWN_TIMEOUT_MS for in-flight deliveries, then aborts what is left (those
   * messages are requeued), and closes the reader, the dead-letter writer and the health server.
   */
  stop(): Promise<void>;
}

/**
 * Works around an nsqjs 0.13 bug. ReaderRdy (the RDY bookkeeping) listens for a connection's
 * close from the moment the connection is attempted, but adds it to its pool only once it is
 * ready; when an attempt fails (an unreachable nsqd that lookupd still lists, or a dead entry in
 * NSQD_TCP_ADDRESSES) it removes `connections[indexOf(conn)]` = `connections[-1]`: the last live
 * connection leaves the pool. That connection keeps its RDY, but pause() no longer reaches it,
 * so during a shutdown it goes on delivering messages (each requeue adding an attempt). Only
 * remove what is in the pool.
 */
function guardRdyPool(reader: Reader): void {
  const rdy = (
    reader as unknown as {
      readerRdy?: { connections?: unknown[]; removeConnection?: (conn: unknown) => void };
    }
  ).readerRdy;
  if (!rdy || !Array.isArray(rdy.connections) || typeof rdy.removeConnection !== 'function') return;
  const removeConnection = rdy.removeConnection.bind(rdy);
  rdy.removeConnection = (conn: unknown) => {
    if (rdy.connections?.includes(conn)) removeConnection(conn);
  };
}

/** How long aborted deliveries get to requeue their messages before the connections close. */
const ABORT_GRACE_MS = 2000;

function settleWithin(promises: Iterable<Promise<unknown>>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void Promise.allSettled(promises).then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts the NSQ-to-CloudEvents adapter in this process. */
export async function startAdapter(
  config: AdapterConfig,
  logger: Logger,
  deps: AdapterDependencies = {},
): Promise<RunningAdapter> {
  const { nsq, delivery } = config;
  const metrics =
    deps.metrics ?? createAdapterMetrics({ defaultMetrics: deps.defaultMetrics ?? false });
  const publisher =
    deps.publisher ??
    new ReconnectingWriter(
      nsq.deadLetterNsqd.kind === 'static'
        ? staticNsqdAddresses(nsq.deadLetterNsqd.addresses)
        : lookupdNsqdAddresses(nsq.deadLetterNsqd.lookupdHttpAddresses, deps.fetch),
      logger.child({ part: 'dead-letter-writer' }),
    );
  const abort = new AbortController();
  const freeRedeliveries = createFreeRedeliveries();
  const probeSink = createSinkProbe({
    url: config.probe.url,
    timeoutMs: delivery.timeoutMs,
    fetch: deps.fetch,
  });
  // Its callbacks reach the reader only once a delivery has tripped it (after connect()).
  const gate = createBackpressureGate({
    pause: () => reader.pause(),
    resume: () => {
      if (!stopping) reader.unpause();
    },
    probe: async () => {
      const ready = await probeSink();
      metrics.sinkProbes.inc({ ready: String(ready) });
      return ready;
    },
    probeBaseMs: config.probe.baseMs,
    probeMaxMs: config.probe.maxMs,
    logger,
    onChange: (paused) => metrics.sinkPaused.set(paused ? 1 : 0),
  });
  const handle = createMessageHandler({
    sink: createSinkClient({ url: config.sink, timeoutMs: delivery.timeoutMs, fetch: deps.fetch }),
    deadLetters: createDeadLetterSink(publisher, nsq.deadLetterTopic),
    metrics,
    logger,
    eventOptions: { topic: nsq.topic, channel: nsq.channel, extensions: config.extensions },
    policy: delivery,
    abortSignal: abort.signal,
    freeRedeliveries,
    onBackpressure: (retryAfterMs) => gate.trip(retryAfterMs),
    onDelivered: () => gate.delivered(),
  });

  const readerOptions: ReaderConnectionConfigOptions = {
    maxInFlight: nsq.maxInFlight,
    // 0 = nsqjs never gives up on a message by itself: attempts are counted by the decision
    // table, which dead-letters at MAX_ATTEMPTS (nsqjs would FIN and drop it silently).
    maxAttempts: 0,
    lookupdPollInterval: nsq.lookupdPollIntervalSeconds,
  };
  if (nsq.lookupdHttpAddresses.length > 0)
    readerOptions.lookupdHTTPAddresses = nsq.lookupdHttpAddresses;
  if (nsq.nsqdTcpAddresses.length > 0) readerOptions.nsqdTCPAddresses = nsq.nsqdTcpAddresses;
  if (nsq.msgTimeoutMs !== undefined) readerOptions.messageTimeout = nsq.msgTimeoutMs;
  const reader = new Reader(nsq.topic, nsq.channel, readerOptions);
  guardRdyPool(reader);

  const inFlight = new Set<Promise<unknown>>();
  const connections = new Set<string>();
  let stopping = false;

  reader.on('message', (message: Message) => {
    if (stopping || gate.paused) {
      // Sent before nsqd saw our RDY 0: give it straight back, not counted as an attempt.
      message.requeue(0, false);
      freeRedeliveries.note(message.id);
      metrics.requeued.inc({ outcome: stopping ? 'shutdown' : 'backpressure' });
      return;
    }
    const task = handle(fromNsqMessage(message))
      // nsqjs writes FIN/REQ on the next tick: let it reach the socket before a stop closes it.
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  });
  // Without an 'error' listener an nsqjs error (a refused connection, E_TOUCH_FAILED...) would
  // be thrown by the EventEmitter and end the process.
  reader.on('error', (error: Error) => {
    logger.warn({ err: error.message }, 'nsq reader error');
  });
  reader.on('nsqd_connected', (host: string, port: number) => {
    connections.add(`${host}:${port}`);
    metrics.nsqdConnections.set(connections.size);
    logger.info({ nsqd: `${host}:${port}` }, 'connected to nsqd');
  });
  reader.on('nsqd_closed', (host: string, port: number) => {
    // Also emitted for attempts that never connected (those are logged as reader errors).
    const wasConnected = connections.delete(`${host}:${port}`);
    metrics.nsqdConnections.set(connections.size);
    if (wasConnected && !stopping)
      logger.warn({ nsqd: `${host}:${port}` }, 'connection to nsqd closed');
  });

  const discovery = nsq.lookupdHttpAddresses.length > 0;
  const readiness = (): Readiness => ({
    // With nsqlookupd, no nsqd yet is normal (the topic appears with its first message).
    ready: !stopping && (connections.size > 0 || discovery),
    details: {
      nsqdConnections: connections.size,
      discovery: discovery ? 'nsqlookupd' : 'nsqd',
      inFlight: inFlight.size,
      sinkPaused: gate.paused,
      stopping,
    },
  });

  const health = await startHealthServer({
    port: config.healthPort,
    host: deps.healthHost,
    live: () => !stopping,
    ready: readiness,
    registry: metrics.registry,
    logger,
  });
  reader.connect();
  logger.info(
    {
      topic: nsq.topic,
      channel: nsq.channel,
      deadLetterTopic: nsq.deadLetterTopic,
      sink: config.sink,
      discovery: discovery ? nsq.lookupdHttpAddresses : nsq.nsqdTcpAddresses,
      maxInFlight: nsq.maxInFlight,
      maxAttempts: delivery.maxAttempts,
      probe: config.probe.url,
      healthPort: health.port,
    },
    'nsq-cloudevents adapter started',
  );

  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopping = true;
    logger.info(
      { inFlight: inFlight.size },
      'stopping: taking no new messages, draining in-flight ones',
    );
    reader.pause();
    await gate.close();
    if (!(await settleWithin([...inFlight], config.shutdownTimeoutMs))) {
      logger.warn(
        { inFlight: inFlight.size, shutdownTimeoutMs: config.shutdownTimeoutMs },
        'in-flight deliveries outlived the shutdown timeout; aborting them (their messages are requeued)',
      );
      abort.abort(new Error('adapter shutting down'));
      await settleWithin([...inFlight], ABORT_GRACE_MS);
    }
    reader.close();
    await publisher.close();
    await health.close();
    logger.info('nsq-cloudevents adapter stopped');
  };

  return {
    healthPort: health.port,
    metrics,
    stop: () => (stopped ??= stop()),
  };
}
