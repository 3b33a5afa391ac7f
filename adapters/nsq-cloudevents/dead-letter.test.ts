import {
  buildDeadLetter,
  createDeadLetterSink,
  originalBody,
  type DeadLetterInfo,
} from './dead-letter.js';

const info: DeadLetterInfo = {
  reason: 'non-retryable-status',
  detail: 'sink answered 400',
  outcome: { kind: 'response', status: 400, body: '{"error":{"code":"BAD_EVENT"}}' },
  attempts: 1,
  messageId: '0a1b2c3d4e5f6789',
  topic: 'images',
  channel: 'processor',
  body: Buffer.from('{"imageId":7}'),
};

describe('buildDeadLetter', () => {
  it('is a structured CloudEvent saying why, with the original body', () => {
    const letter = JSON.parse(buildDeadLetter(info, new Date('2026-11-25T10:00:00Z')));
    expect(letter).toEqual({
      specversion: '1.0',
      type: 'dev.facetrail.nsq.deadletter',
      source: '/facetrail/nsq/images/processor',
      id: '0a1b2c3d4e5f6789',
      subject: '0a1b2c3d4e5f6789',
      time: '2026-11-25T10:00:00.000Z',
      datacontenttype: 'application/json',
      data: {
        reason: 'non-retryable-status',
        detail: 'sink answered 400',
        status: 400,
        response: '{"error":{"code":"BAD_EVENT"}}',
        attempts: 1,
        messageId: '0a1b2c3d4e5f6789',
        topic: 'images',
        channel: 'processor',
        body: '{"imageId":7}',
        bodyEncoding: 'utf8',
      },
    });
    expect(originalBody(letter).toString()).toBe('{"imageId":7}');
  });

  it('keeps non-UTF-8 bodies exactly, as base64', () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe]);
    const letter = JSON.parse(
      buildDeadLetter({
        ...info,
        reason: 'max-attempts',
        outcome: { kind: 'timeout' },
        body: bytes,
      }),
    );
    expect(letter.data).toMatchObject({ status: null, response: null, bodyEncoding: 'base64' });
    expect(originalBody(letter)).toEqual(bytes);
  });
});

describe('createDeadLetterSink', () => {
  it('publishes to the dead-letter topic and passes failures on', async () => {
    const published: Array<[string, string]> = [];
    const sink = createDeadLetterSink(
      {
        publish: async (topic, body) => {
          if (published.length > 0) throw new Error('nsqd down');
          published.push([topic, String(body)]);
        },
        close: async () => undefined,
      },
      'images.dead',
    );
    await sink.send(info);
    expect(published[0]![0]).toBe('images.dead');
    expect(JSON.parse(published[0]![1]).data.reason).toBe('non-retryable-status');
    await expect(sink.send(info)).rejects.toThrow('nsqd down');
  });
});
