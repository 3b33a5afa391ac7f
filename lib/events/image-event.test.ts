import { HTTP } from 'cloudevents';
import {
  buildImageSubmittedEvent,
  imageEventDataSchema,
  REDEEMER_SOURCE,
  toStructuredJson,
} from './image-event.js';

describe('image submitted event', () => {
  it('follows the events contract', () => {
    const event = buildImageSubmittedEvent({ imageId: 7, path: 'door-1/a.jpg' });
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'dev.facetrail.image.submitted',
      source: '/facetrail/receiver',
      subject: '7',
      datacontenttype: 'application/json',
      data: { imageId: 7, path: 'door-1/a.jpg' },
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(buildImageSubmittedEvent({ imageId: 7, path: 'a' }).id).not.toBe(event.id);
    expect(buildImageSubmittedEvent({ imageId: 7, path: 'a' }, REDEEMER_SOURCE).source).toBe(
      '/facetrail/redeemer',
    );
  });

  it('round-trips through structured JSON and binary HTTP mode', () => {
    const event = buildImageSubmittedEvent({ imageId: 3, path: 'x.jpg' });
    const structured = HTTP.toEvent({
      headers: { 'content-type': 'application/cloudevents+json' },
      body: toStructuredJson(event),
    });
    expect(structured).toMatchObject({
      id: event.id,
      type: event.type,
      data: { imageId: 3, path: 'x.jpg' },
    });
    const binary = HTTP.binary(event);
    expect(binary.headers).toMatchObject({
      'ce-id': event.id,
      'ce-type': 'dev.facetrail.image.submitted',
      'ce-subject': '3',
    });
  });

  it.each([
    [{ imageId: 1, path: 'a.jpg' }, true],
    [{ imageId: 0, path: 'a.jpg' }, false],
    [{ imageId: 1.5, path: 'a.jpg' }, false],
    [{ imageId: '1', path: 'a.jpg' }, false],
    [{ imageId: 1, path: '' }, false],
    [{ imageId: 1 }, false],
  ])('validates data %j -> %s', (data, valid) => {
    expect(imageEventDataSchema.safeParse(data).success).toBe(valid);
  });
});
