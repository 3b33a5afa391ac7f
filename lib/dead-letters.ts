import { z } from 'zod';
import type { DeadLettersRepository } from './db/dead-letters-repo.js';
import type { ImageIngestRepository } from './db/images/ingest-repo.js';
import { imageEventDataSchema } from './events/image-event.js';
import type { Publisher } from './queue/publisher.js';

/**
 * The dead-letter envelope the adapter publishes (adapters/nsq-cloudevents/dead-letter.ts): a
 * structured CloudEvent whose data says why and carries the original body.
 */
const deadLetterSchema = z.object({
  id: z.string().min(1),
  data: z.object({
    reason: z.string(),
    detail: z.string(),
    status: z.number().int().nullable(),
    attempts: z.number().int(),
    body: z.string(),
    bodyEncoding: z.enum(['utf8', 'base64']),
  }),
});

/** The image an original body is about: an image event (structured JSON), or none. */
function imageIdOf(body: Buffer): number | null {
  try {
    const event = JSON.parse(body.toString('utf8')) as { data?: unknown };
    const parsed = imageEventDataSchema.safeParse(event?.data);
    return parsed.success ? parsed.data.imageId : null;
  } catch {
    return null;
  }
}

export type RecordOutcome = 'stored' | 'duplicate' | 'dropped' | 'unreadable';

/**
 * Stores one dead letter drained from the dead-letter topic, unless its image is already final
 * (a later delivery got through) or gone: those are dropped. An envelope that is not a dead
 * letter at all is reported `unreadable` (and not stored: there is nothing to replay).
 */
export async function recordDeadLetter(
  repo: DeadLettersRepository,
  message: Buffer,
): Promise<RecordOutcome> {
  let envelope: z.infer<typeof deadLetterSchema>;
  try {
    envelope = deadLetterSchema.parse(JSON.parse(message.toString('utf8')));
  } catch {
    return 'unreadable';
  }
  const { data } = envelope;
  const original = Buffer.from(data.body, data.bodyEncoding);
  const imageId = imageIdOf(original);
  const stored = await repo.insert({
    messageId: envelope.id,
    imageId,
    reason: data.reason,
    detail: data.detail,
    status: data.status,
    attempts: data.attempts,
    body: data.body,
    bodyEncoding: data.bodyEncoding,
  });
  if (!stored) return 'duplicate';
  // Only this letter's image: a drain stores many letters, and the others' are for list/replay.
  return imageId !== null && (await repo.dropSettled(imageId)) > 0 ? 'dropped' : 'stored';
}

export interface ReplayDeps {
  deadLetters: DeadLettersRepository;
  /** The receiver's: a replayed event counts as published, like a first one. */
  images: Pick<ImageIngestRepository, 'markPublished'>;
  publisher: Publisher;
  /** The topic the events came from (the processors' NSQ_TOPIC). */
  topic: string;
}

export interface ReplayResult {
  replayed: number[];
  /** Dead letters dropped first because their image was final or gone. */
  dropped: number;
}

/**
 * Re-publishes dead letters (the given ids, or every one not replayed yet) to the topic, byte
 * for byte, and marks them replayed. Those whose image is final or gone are dropped first.
 */
export async function replayDeadLetters(
  deps: ReplayDeps,
  ids: number[] | undefined,
  limit = 1000,
): Promise<ReplayResult> {
  const dropped = await deps.deadLetters.dropSettled();
  const letters = await deps.deadLetters.forReplay(ids, limit);
  if (letters.length === 0) return { replayed: [], dropped };
  await deps.publisher.publish(
    deps.topic,
    letters.map((letter) => letter.body),
  );
  const replayed = letters.map((letter) => letter.id);
  await deps.deadLetters.markReplayed(replayed);
  await deps.images.markPublished(
    letters.flatMap((letter) => (letter.imageId === null ? [] : [letter.imageId])),
  );
  return { replayed, dropped };
}
