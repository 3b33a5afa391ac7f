import type { ImageSweepRepository } from '../../lib/db/images/sweep-repo.js';
import type { UnclaimedImagesRepository } from '../../lib/db/images/unclaimed-repo.js';
import { REDEEMER_SOURCE } from '../../lib/events/image-event.js';
import { publishImageEvents } from '../../lib/events/publish-image-events.js';
import type { Logger } from '../../lib/logger.js';
import type { Publisher } from '../../lib/queue/publisher.js';

export interface SweepDeps {
  images: ImageSweepRepository;
  publisher: Publisher;
  topic: string;
  unpublishedAfterMs: number;
  republishAfterMs: number;
  batchSize: number;
  logger: Logger;
  /** Re-sending what nsqd lost (a crash loses in-flight and deferred messages); off when unset. */
  lost?: LostMessagesDeps | undefined;
}

export interface LostMessagesDeps {
  unclaimed: UnclaimedImagesRepository;
  /** An image published this long ago and not claimed since may have lost its message. */
  lostAfterMs: number;
  /** Messages nsqd still holds for the processors' channel (throws when it cannot tell). */
  queued: () => Promise<number>;
}

export interface LostSweep {
  /** PENDING images published before the cutoff and not claimed since. */
  unclaimed: number;
  /** Messages nsqd holds for them (null: unknown, nothing re-sent). */
  queued: number | null;
  resent: number;
}

export interface SweepResult {
  republished: number;
  imageIds: number[];
  lost?: LostSweep;
}

/** Publishes one redeemer event per image and records the publication. */
function republish(
  deps: SweepDeps,
  images: Array<{ id: number; path: string }>,
): Promise<number[]> {
  return publishImageEvents(deps, images, REDEEMER_SOURCE);
}

/**
 * Re-sends the images the queue may have lost (see ImageSweepRepository.findStranded). Duplicates
 * are harmless: the processor's claim lets one delivery through and answers the rest 200.
 */
export async function sweepStrandedImages(deps: SweepDeps): Promise<SweepResult> {
  const stranded = await deps.images.findStranded({
    unpublishedMs: deps.unpublishedAfterMs,
    republishAfterMs: deps.republishAfterMs,
    limit: deps.batchSize,
  });
  const imageIds = stranded.length > 0 ? await republish(deps, stranded) : [];
  if (imageIds.length > 0)
    deps.logger.info(
      { count: imageIds.length, imageIds: imageIds.slice(0, 20) },
      'republished stranded images',
    );
  if (!deps.lost) return { republished: imageIds.length, imageIds };
  const lost = await resendLostMessages(deps, deps.lost);
  imageIds.push(...lost.imageIds);
  return { republished: imageIds.length, imageIds, lost: lost.sweep };
}

/**
 * Lost messages are re-sent within about two leases, without flooding a deep queue. An image
 * published more than LOST_AFTER_MS ago (two processor leases) and not claimed since is either
 * still waiting in nsqd behind others, or its message is gone (nsqd killed with it in flight,
 * deferred or in its memory queue). nsqd cannot say which message is whose, but it can say how
 * many it holds: when that is fewer than such images, the difference is re-sent, the
 * longest-waiting first; when it holds as many or more, nothing is. Duplicates stay harmless
 * (the processor's claim), and each re-send restarts the image's clock.
 */
async function resendLostMessages(
  deps: SweepDeps,
  lost: LostMessagesDeps,
): Promise<{ sweep: LostSweep; imageIds: number[] }> {
  const cutoff = new Date(Date.now() - lost.lostAfterMs);
  const unclaimed = await lost.unclaimed.count(cutoff);
  if (unclaimed === 0) return { sweep: { unclaimed, queued: null, resent: 0 }, imageIds: [] };
  let queued: number;
  try {
    queued = await lost.queued();
  } catch (error) {
    deps.logger.warn(
      { err: (error as Error).message, unclaimed },
      'cannot read the queue depth from nsqd; not re-sending unclaimed images this time',
    );
    return { sweep: { unclaimed, queued: null, resent: 0 }, imageIds: [] };
  }
  const missing = Math.min(deps.batchSize, unclaimed - queued);
  if (missing <= 0) return { sweep: { unclaimed, queued, resent: 0 }, imageIds: [] };
  const imageIds = await republish(deps, await lost.unclaimed.oldest(cutoff, missing));
  deps.logger.warn(
    { unclaimed, queued, resent: imageIds.length, imageIds: imageIds.slice(0, 20) },
    'nsqd holds fewer messages than unclaimed images: re-sent the longest-waiting ones',
  );
  return { sweep: { unclaimed, queued, resent: imageIds.length }, imageIds };
}

/**
 * Re-sends every PENDING image, page by page: standalone mode's start, whose in-memory queue
 * lost whatever the previous run had not finished.
 */
export async function resendAllPending(deps: SweepDeps): Promise<number> {
  let resent = 0;
  for (let afterId = 0; ;) {
    const page = await deps.images.listPending(afterId, deps.batchSize);
    if (page.length === 0) return resent;
    await republish(deps, page);
    resent += page.length;
    afterId = page[page.length - 1]!.id;
  }
}
