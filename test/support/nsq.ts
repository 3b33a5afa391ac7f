import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { startProcess, waitFor, type RunningProcess } from './processes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binDir = path.join(repoRoot, 'tools', 'bin');

export interface NsqCluster {
  /** nsqd's TCP address, for publishers (NSQD_TCP_ADDRESS). */
  nsqdTcpAddress: string;
  /** nsqd's HTTP address, for /stats and /pub in assertions. */
  nsqdHttpAddress: string;
  /** nsqlookupd's HTTP address, for consumers (NSQLOOKUPD_HTTP_ADDRESSES). */
  lookupdHttpAddress: string;
  nsqd: RunningProcess;
  lookupd: RunningProcess;
  stop(): Promise<void>;
  /** Restarts nsqd on the same ports and data (messages kept on disk survive). */
  restartNsqd(): Promise<void>;
  /** kill -9 of nsqd, then a start on the same ports and data (what was in memory is lost). */
  crashNsqd(): Promise<void>;
}

async function ping(httpAddress: string): Promise<boolean> {
  const response = await fetch(`http://${httpAddress}/ping`);
  return response.ok;
}

/** Starts a real nsqlookupd and nsqd (built by scripts/install-nsq.sh) on free loopback ports. */
export async function startNsq(): Promise<NsqCluster> {
  for (const binary of ['nsqd', 'nsqlookupd']) {
    if (!existsSync(path.join(binDir, binary))) {
      throw new Error(`${binary} is missing from tools/bin: run scripts/install-nsq.sh first`);
    }
  }
  const [lookupTcp, lookupHttp, nsqdTcp, nsqdHttp] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const dataPath = await mkdtemp(path.join(tmpdir(), 'facetrail-nsqd-'));
  const lookupdHttpAddress = `127.0.0.1:${lookupHttp}`;
  const nsqdHttpAddress = `127.0.0.1:${nsqdHttp}`;
  const lookupd = startProcess('nsqlookupd', path.join(binDir, 'nsqlookupd'), [
    `--tcp-address=127.0.0.1:${lookupTcp}`,
    `--http-address=${lookupdHttpAddress}`,
    '--broadcast-address=127.0.0.1',
  ]);
  await waitFor('nsqlookupd', () => ping(lookupdHttpAddress), { timeoutMs: 10_000 });
  const startNsqd = () =>
    startProcess('nsqd', path.join(binDir, 'nsqd'), [
      `--tcp-address=127.0.0.1:${nsqdTcp}`,
      `--http-address=${nsqdHttpAddress}`,
      `--data-path=${dataPath}`,
      '--broadcast-address=127.0.0.1',
      `--lookupd-tcp-address=127.0.0.1:${lookupTcp}`,
    ]);
  const cluster: NsqCluster = {
    nsqdTcpAddress: `127.0.0.1:${nsqdTcp}`,
    nsqdHttpAddress,
    lookupdHttpAddress,
    nsqd: startNsqd(),
    lookupd,
    async stop() {
      await cluster.nsqd.stop();
      await lookupd.stop();
      await rm(dataPath, { recursive: true, force: true });
    },
    async restartNsqd() {
      await cluster.nsqd.stop();
      cluster.nsqd = startNsqd();
      await waitFor('nsqd after restart', () => ping(nsqdHttpAddress), { timeoutMs: 10_000 });
    },
    async crashNsqd() {
      await cluster.nsqd.kill();
      cluster.nsqd = startNsqd();
      await waitFor('nsqd after the crash', () => ping(nsqdHttpAddress), { timeoutMs: 10_000 });
    },
  };
  await waitFor('nsqd', () => ping(nsqdHttpAddress), { timeoutMs: 10_000 });
  return cluster;
}

/** One channel as nsqd's /stats reports it, in nsqd's own field names. */
export interface NsqdChannelStats {
  channel_name: string;
  message_count: number;
  depth: number;
  in_flight_count: number;
  deferred_count: number;
  requeue_count: number;
  timeout_count: number;
  /** One per consumer connection, with the RDY count it gave nsqd. */
  clients: Array<{ ready_count: number }>;
}

/** One topic as nsqd's /stats reports it. */
interface NsqdTopicStats {
  topic_name: string;
  message_count: number;
  depth: number;
  channels: NsqdChannelStats[];
}

/** One topic from nsqd's /stats, or undefined when nsqd has no such topic. */
async function nsqdTopicStats(
  nsqdHttpAddress: string,
  topic: string,
): Promise<NsqdTopicStats | undefined> {
  const response = await fetch(
    `http://${nsqdHttpAddress}/stats?format=json&topic=${encodeURIComponent(topic)}`,
  );
  const body = (await response.json()) as { topics?: NsqdTopicStats[] };
  return body.topics?.find((entry) => entry.topic_name === topic);
}

/** Creates a topic and one channel of it on nsqd (so that messages wait for a reader). */
export async function createChannel(
  nsqdHttpAddress: string,
  topic: string,
  channel = 'processor',
): Promise<void> {
  for (const url of [
    `/topic/create?topic=${encodeURIComponent(topic)}`,
    `/channel/create?topic=${encodeURIComponent(topic)}&channel=${encodeURIComponent(channel)}`,
  ]) {
    const response = await fetch(`http://${nsqdHttpAddress}${url}`, { method: 'POST' });
    if (response.status !== 200)
      throw new Error(`nsqd ${url}: HTTP ${response.status} ${await response.text()}`);
  }
}

/** One channel of a topic, from nsqd's /stats (undefined until nsqd has it). */
export async function channelStats(
  nsqdHttpAddress: string,
  topic: string,
  channel = 'processor',
): Promise<NsqdChannelStats | undefined> {
  return (await nsqdTopicStats(nsqdHttpAddress, topic))?.channels.find(
    (entry) => entry.channel_name === channel,
  );
}

/** A channel's message counts, as topicStats gives them. */
interface ChannelCounts {
  depth: number;
  inFlight: number;
  requeued: number;
  finished: number;
}

/** Message counts of a topic's channels, from nsqd's /stats. */
export async function topicStats(
  nsqdHttpAddress: string,
  topic: string,
): Promise<
  { messageCount: number; depth: number; channels: Record<string, ChannelCounts> } | undefined
> {
  const found = await nsqdTopicStats(nsqdHttpAddress, topic);
  if (!found) return undefined;
  const channels: Record<string, ChannelCounts> = {};
  for (const channel of found.channels) {
    channels[channel.channel_name] = {
      depth: channel.depth,
      inFlight: channel.in_flight_count,
      requeued: channel.requeue_count,
      finished: channel.message_count - channel.depth - channel.in_flight_count,
    };
  }
  return { messageCount: found.message_count, depth: found.depth, channels };
}
