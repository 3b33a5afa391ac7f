import type { ImageSweepRepository } from '../../lib/db/images/sweep-repo.js';
import {
  buildImageSubmittedEvent,
  REDEEMER_SOURCE,
  toStructuredJson,
} from '../../lib/events/image-event.js';
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
}

export interface SweepResult {
  republished: number;
  imageIds: number[];
}

/** Publishes one redeemer event per image and records the publication. */
async function republish(
  deps: SweepDeps,
  images: Array<{ id: number; path: string }>,
): Promise<number[]> {
  const messages = images.map((image) =>
    toStructuredJson(
      buildImageSubmittedEvent({ imageId: image.id, path: image.path }, REDEEMER_SOURCE),
    ),
  );
  await deps.publisher.publish(deps.topic, messages);
  const imageIds = images.map((image) => image.id);
  await deps.images.markPublished(imageIds);
  return imageIds;
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
  if (stranded.length === 0) return { republished: 0, imageIds: [] };
  const imageIds = await republish(deps, stranded);
  deps.logger.info(
    { count: imageIds.length, imageIds: imageIds.slice(0, 20) },
    'republished stranded images',
  );
  return { republished: imageIds.length, imageIds };
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
