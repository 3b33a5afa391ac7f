import { HTTP } from 'cloudevents';
import { buildImageSubmittedEvent, toStructuredJson } from '../../lib/events/image-event.js';
import { toBinaryHttp, toCloudEvent, type EventOptions } from './cloudevent.js';

const options: EventOptions = { topic: 'images', channel: 'processor', extensions: {} };
const withOverrides: EventOptions = { ...options, extensions: { cluster: 'east' } };
// 2026-11-25T10:00:00.123Z in nanoseconds, as nsqd stamps messages.
const timestamp = BigInt(Date.parse('2026-11-25T10:00:00.123Z')) * 1_000_000n + 456n;

function message(body: string | Buffer) {
  return {
    id: '0a1b2c3d4e5f6789',
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    timestamp,
  };
}

describe('toCloudEvent: structured CloudEvents pass through', () => {
  const original = buildImageSubmittedEvent({ imageId: 7, path: 'door-1/a.jpg' });
  const json = toStructuredJson(original);

  it('keeps every attribute and the data, and adds the override extensions', () => {
    const out = toCloudEvent(message(json), withOverrides);
    expect(out.wrapped).toBe(false);
    expect(out.hasTime).toBe(true);
    expect(out.event.toJSON()).toEqual({ ...JSON.parse(json), cluster: 'east' });
  });

  it('goes out in binary mode with ce- headers and the data as the body', () => {
    const http = toBinaryHttp(toCloudEvent(message(json), withOverrides));
    expect(http.headers).toMatchObject({
      'ce-id': original.id,
      'ce-type': 'dev.facetrail.image.submitted',
      'ce-source': '/facetrail/receiver',
      'ce-specversion': '1.0',
      'ce-subject': '7',
      'ce-time': original.time,
      'ce-cluster': 'east',
      'content-type': 'application/json',
    });
    expect(JSON.parse(http.body as string)).toEqual({ imageId: 7, path: 'door-1/a.jpg' });
    // What the processor will parse on the other side.
    const received = HTTP.toEvent({ headers: http.headers, body: http.body });
    expect(received).toMatchObject({
      id: original.id,
      data: { imageId: 7, path: 'door-1/a.jpg' },
      cluster: 'east',
    });
  });

  it('lets an override replace an extension of the event', () => {
    const event = JSON.stringify({ ...JSON.parse(json), cluster: 'west', other: 'kept' });
    expect(toCloudEvent(message(event), withOverrides).event).toMatchObject({
      cluster: 'east',
      other: 'kept',
    });
  });

  it('does not invent a time for an event without one', () => {
    const event = JSON.stringify({
      specversion: '1.0',
      id: 'x1',
      source: '/s',
      type: 't',
      data: { a: 1 },
    });
    const out = toCloudEvent(message(event), options);
    expect(out.hasTime).toBe(false);
    expect(toBinaryHttp(out).headers['ce-time']).toBeUndefined();
  });

  it('sends JSON string data as JSON text, binary data as bytes', () => {
    const stringData = JSON.stringify({
      specversion: '1.0',
      id: 'x2',
      source: '/s',
      type: 't',
      data: 'hi',
    });
    expect(toBinaryHttp(toCloudEvent(message(stringData), options)).body).toBe('"hi"');
    const textData = JSON.stringify({
      specversion: '1.0',
      id: 'x3',
      source: '/s',
      type: 't',
      datacontenttype: 'text/plain',
      data: 'hi',
    });
    expect(toBinaryHttp(toCloudEvent(message(textData), options)).body).toBe('hi');
    const base64 = JSON.stringify({
      specversion: '1.0',
      id: 'x4',
      source: '/s',
      type: 't',
      datacontenttype: 'image/png',
      data_base64: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'),
    });
    const http = toBinaryHttp(toCloudEvent(message(base64), options));
    expect(http.headers['content-type']).toBe('image/png');
    expect(Buffer.from(http.body as Buffer)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });

  it('sends no body for an event without data', () => {
    const event = JSON.stringify({ specversion: '1.0', id: 'x5', source: '/s', type: 't' });
    expect(toBinaryHttp(toCloudEvent(message(event), options)).body).toBeUndefined();
  });
});

describe('toCloudEvent: anything else is wrapped', () => {
  it('wraps JSON as application/json data', () => {
    const out = toCloudEvent(message('{"imageId":7,"path":"a.jpg"}'), withOverrides);
    expect(out.wrapped).toBe(true);
    expect(out.event.toJSON()).toEqual({
      specversion: '1.0',
      type: 'dev.facetrail.nsq.message',
      source: '/facetrail/nsq/images/processor',
      id: '0a1b2c3d4e5f6789',
      time: '2026-11-25T10:00:00.123Z',
      datacontenttype: 'application/json',
      data: { imageId: 7, path: 'a.jpg' },
      cluster: 'east',
    });
    const http = toBinaryHttp(out);
    expect(http.headers).toMatchObject({
      'ce-type': 'dev.facetrail.nsq.message',
      'ce-id': '0a1b2c3d4e5f6789',
      'ce-cluster': 'east',
      'content-type': 'application/json',
    });
    expect(JSON.parse(http.body as string)).toEqual({ imageId: 7, path: 'a.jpg' });
  });

  it.each([
    ['a JSON string', '"hello"', '"hello"'],
    ['a JSON number', '42', '42'],
    ['JSON null', 'null', 'null'],
    ['a JSON array', '[1,2]', '[1,2]'],
  ])('keeps %s valid JSON on the wire', (_name, body, wire) => {
    expect(toBinaryHttp(toCloudEvent(message(body), options)).body).toBe(wire);
  });

  it('wraps UTF-8 text as text/plain', () => {
    const out = toCloudEvent(message('door-1/a.jpg ünïcode'), options);
    expect(out.event).toMatchObject({
      datacontenttype: 'text/plain; charset=utf-8',
      data: 'door-1/a.jpg ünïcode',
    });
    expect(toBinaryHttp(out)).toMatchObject({
      body: 'door-1/a.jpg ünïcode',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  });

  it('wraps other bytes as application/octet-stream, sent as they are', () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
    const out = toCloudEvent(message(bytes), options);
    expect(out.event.datacontenttype).toBe('application/octet-stream');
    const http = toBinaryHttp(out);
    expect(http.headers['content-type']).toBe('application/octet-stream');
    expect(Buffer.from(http.body as Buffer)).toEqual(bytes);
  });

  it.each([
    ['no id', { specversion: '1.0', source: '/s', type: 't' }],
    ['an empty source', { specversion: '1.0', id: '1', source: '', type: 't' }],
    ['an unsupported specversion', { specversion: '0.1', id: '1', source: '/s', type: 't' }],
    ['a bad extension name', { specversion: '1.0', id: '1', source: '/s', type: 't', Bad_Name: 1 }],
  ])('wraps a would-be CloudEvent with %s, saying why', (_name, body) => {
    const out = toCloudEvent(message(JSON.stringify(body)), options);
    expect(out.wrapped).toBe(true);
    expect(out.invalidReason).toEqual(expect.any(String));
    expect(out.event.data).toEqual(body);
  });

  it('has no time when the message has no timestamp', () => {
    const out = toCloudEvent({ id: 'abc', body: Buffer.from('x') }, options);
    expect(out.hasTime).toBe(false);
    expect(toBinaryHttp(out).headers['ce-time']).toBeUndefined();
  });
});
