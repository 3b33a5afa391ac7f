/**
 * How many messages of a topic nsqd still holds for a channel, read from nsqd's HTTP
 * `/stats?format=json`: the channel's depth (memory + disk), in flight (sent, not yet finished)
 * and deferred (requeued with a delay), plus what the topic holds back for channels not yet
 * created. Summed over every nsqd (found through nsqlookupd's /nodes, or given directly).
 */

export interface QueueStatsSource {
  /** nsqlookupd HTTP `host:port`s: every nsqd they know is asked. */
  lookupdHttpAddresses: string[];
  /** nsqd HTTP `host:port`s asked directly (used when no lookupd is given). */
  nsqdHttpAddresses: string[];
}

interface NsqdStats {
  topics?: Array<{
    topic_name: string;
    depth: number;
    channels: Array<{
      channel_name: string;
      depth: number;
      in_flight_count: number;
      deferred_count: number;
    }>;
  }>;
}

const TIMEOUT_MS = 5000;

function base(address: string): string {
  return address.includes('://') ? address : `http://${address}`;
}

async function nsqdHttpAddresses(
  source: QueueStatsSource,
  fetchImpl: typeof globalThis.fetch,
): Promise<string[]> {
  if (source.lookupdHttpAddresses.length === 0) return source.nsqdHttpAddresses;
  const found = new Set<string>();
  let answered = 0;
  await Promise.all(
    source.lookupdHttpAddresses.map(async (lookupd) => {
      try {
        const response = await fetchImpl(new URL('/nodes', base(lookupd)), {
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        if (!response.ok) return;
        const body = (await response.json()) as {
          producers?: Array<{ broadcast_address?: string; hostname?: string; http_port?: number }>;
        };
        answered += 1;
        for (const node of body.producers ?? []) {
          const host = node.broadcast_address || node.hostname;
          if (!host || !node.http_port) continue;
          found.add(
            host.includes(':') ? `[${host}]:${node.http_port}` : `${host}:${node.http_port}`,
          );
        }
      } catch {
        // One lookupd down is not fatal.
      }
    }),
  );
  if (answered === 0) throw new Error('no nsqlookupd answered /nodes');
  return [...found];
}

/**
 * Messages of `topic` still waiting for, or being handled by, `channel`. Throws when no nsqd
 * (or no lookupd) could be asked: an unknown depth must not be taken for an empty queue.
 * A topic an nsqd does not have (gone with a restart that lost its metadata) counts 0 there.
 */
export async function queuedMessages(
  source: QueueStatsSource,
  topic: string,
  channel: string,
  fetchImpl: typeof globalThis.fetch = globalThis.fetch,
): Promise<number> {
  const nsqds = await nsqdHttpAddresses(source, fetchImpl);
  const counts = await Promise.all(
    nsqds.map(async (nsqd) => {
      const url = new URL('/stats', base(nsqd));
      url.search = new URLSearchParams({ format: 'json', topic }).toString();
      const response = await fetchImpl(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!response.ok) throw new Error(`nsqd ${nsqd} answered /stats with ${response.status}`);
      const stats = (await response.json()) as NsqdStats;
      const found = stats.topics?.find((entry) => entry.topic_name === topic);
      if (!found) return 0;
      const held = found.channels.find((entry) => entry.channel_name === channel);
      const inChannel = held ? held.depth + held.in_flight_count + held.deferred_count : 0;
      return found.depth + inChannel;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
