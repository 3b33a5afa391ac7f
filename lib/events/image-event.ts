import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import { z } from 'zod';

export const IMAGE_SUBMITTED_TYPE = 'dev.facetrail.image.submitted';
export const NSQ_MESSAGE_TYPE = 'dev.facetrail.nsq.message';
export const RECEIVER_SOURCE = '/facetrail/receiver';
export const REDEEMER_SOURCE = '/facetrail/redeemer';

export const imageEventDataSchema = z.object({
  imageId: z.number().int().positive(),
  path: z.string().min(1),
});

export type ImageEventData = z.infer<typeof imageEventDataSchema>;

/** The CloudEvent announcing that an image waits for recognition (docs/architecture.md, "Events and queue topics"). */
export function buildImageSubmittedEvent(
  data: ImageEventData,
  source: typeof RECEIVER_SOURCE | typeof REDEEMER_SOURCE = RECEIVER_SOURCE,
): CloudEvent<ImageEventData> {
  return new CloudEvent<ImageEventData>({
    specversion: '1.0',
    type: IMAGE_SUBMITTED_TYPE,
    source,
    id: randomUUID(),
    subject: String(data.imageId),
    datacontenttype: 'application/json',
    time: new Date().toISOString(),
    data,
  });
}

/** Structured-mode JSON, the form the receiver publishes on NSQ. */
export function toStructuredJson(event: CloudEvent<unknown>): string {
  return JSON.stringify(event.toJSON());
}
