/**
 * Memory over many identifications: the recognizer's resident memory (all threads) sampled
 * every 100 Identify calls, and the pool's tensor-leak warnings.
 */
import type { BenchContext, SectionResult } from './context.js';
import type { BenchRecognizer } from './harness.js';
import type { Photo } from './photos.js';
import { fixed, mapConcurrent, table } from './stats.js';

export async function memory(
  ctx: BenchContext,
  bench: BenchRecognizer,
  photos: Photo[],
  before: { label: string; rss: number | undefined },
  earlier: number,
): Promise<SectionResult> {
  const total = ctx.quick ? 200 : 1000;
  const samples: Array<{ identifications: number; rss: number | undefined }> = [
    { identifications: 0, rss: await bench.rss() },
  ];
  ctx.log(`memory: ${total} identifications at concurrency 4`);
  const list = Array.from({ length: total }, (_, index) => photos[index % photos.length]!);
  let done = 0;
  await mapConcurrent(list, 4, async (photo) => {
    await bench.client.identify({ content: photo.bytes });
    done += 1;
    if (done % 100 === 0) samples.push({ identifications: done, rss: await bench.rss() });
  });
  const leaks = bench.recognizer
    .logs()
    .filter((line) => String(line.msg).startsWith('tfjs tensors are accumulating')).length;
  const first = samples[1] ?? samples[0]!;
  const last = samples.at(-1)!;
  const text = [
    `Resident memory of the recognizer process (main thread + ${(await bench.describe()).workers} workers, wasm heaps included), ${before.label}: ${fixed(before.rss ?? NaN, 0)} MiB. Then ${earlier} identifications in the benchmarks above, and ${total} more, photos cycling through ${photos.length} small and large ones:`,
    '',
    table(
      ['identifications (this run)', 'RSS MiB'],
      samples.map((sample) => [sample.identifications, fixed(sample.rss ?? NaN, 0)]),
    ),
    '',
    `From ${first.identifications} to ${last.identifications}: ${fixed((last.rss ?? NaN) - (first.rss ?? NaN), 0)} MiB. Tensor-leak warnings from the pool: ${leaks}.`,
  ].join('\n');
  return {
    title: 'Memory over identifications',
    text,
    data: { before, earlier, samples, leakWarnings: leaks },
  };
}
