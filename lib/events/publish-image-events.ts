import type { Publisher } from '../queue/publisher.js';
import {
  buildImageSubmittedEvent,
  RECEIVER_SOURCE,
  type REDEEMER_SOURCE,
  toStructuredJson,
} from './image-event.js';

export interface ImageEventPublishing {
  publisher: Publisher;
  topic: string;
  /** Records that the images' events went out (images.published_at). */
  images: { markPublished(ids: number[]): Promise<void> };
}

/**
 * Publishes one image.submitted event per image in one MPUB, then records their publication.
 * The receiver and the redeemer both send images this way. It throws when either step fails:
 * an image whose publication is not recorded stays PENDING for the redeemer, and a duplicate
 * delivery is harmless (the processor's claim lets one through).
 */
export async function publishImageEvents(
  deps: ImageEventPublishing,
  images: ReadonlyArray<{ id: number; path: string }>,
  source: typeof RECEIVER_SOURCE | typeof REDEEMER_SOURCE = RECEIVER_SOURCE,
): Promise<number[]> {
  if (images.length === 0) return [];
  const messages = images.map((image) =>
    toStructuredJson(buildImageSubmittedEvent({ imageId: image.id, path: image.path }, source)),
  );
  await deps.publisher.publish(deps.topic, messages);
  const ids = images.map((image) => image.id);
  await deps.images.markPublished(ids);
  return ids;
}
