import { CloudEvent, HTTP } from 'cloudevents';
import { NSQ_MESSAGE_TYPE } from '../../lib/events/image-event.js';

/** The parts of a queue message that turn into an event. */
export interface MessageView {
  /** The NSQ message id (16 characters, unique per nsqd node id). */
  id: string;
  body: Buffer;
  /** When the message was published, nanoseconds since the epoch (NSQ's wire format). */
  timestamp?: bigint | undefined;
}

export interface EventOptions {
  topic: string;
  channel: string;
  /** K_CE_OVERRIDES extensions, set on every event (they win over the event's own). */
  extensions: Record<string, string>;
}

/** An event ready to go out, and how it was obtained. */
export interface OutboundEvent {
  event: CloudEvent<unknown>;
  /** false when the message already was a CloudEvent and is forwarded as it came. */
  wrapped: boolean;
  /**
   * Whether the event carries a `time` of its own. The SDK stamps "now" on events without one;
   * a forwarded event that had none must not gain one, so the header is left out.
   */
  hasTime: boolean;
  /** Why a message that looked like a CloudEvent (it had `specversion`) was wrapped instead. */
  invalidReason?: string | undefined;
}

/** The NSQ topic and channel a wrapped message came from, as a CloudEvents source. */
export function wrappedSource(topic: string, channel: string): string {
  return `/facetrail/nsq/${encodeURIComponent(topic)}/${encodeURIComponent(channel)}`;
}

const REQUIRED_ATTRIBUTES = ['id', 'source', 'type'] as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(body: Buffer): string | undefined {
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}

function parseJson(text: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (text === undefined) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

function nsqTime(timestamp: bigint | undefined): string | undefined {
  if (timestamp === undefined || timestamp <= 0n) return undefined;
  const date = new Date(Number(timestamp / 1_000_000n));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Turns a queue message into the CloudEvent to deliver (docs/architecture.md, "Events and queue topics"):
 *
 * - a body that is a valid structured-mode CloudEvents 1.0 JSON document is forwarded as it
 *   is, with the K_CE_OVERRIDES extensions added;
 * - anything else is wrapped as `dev.facetrail.nsq.message`, source
 *   `/facetrail/nsq/<topic>/<channel>`, id = the NSQ message id (stable across redeliveries, so
 *   the sink can deduplicate), time = when it was published to nsqd, and data = the body:
 *   parsed JSON (`application/json`) when it parses, else the text (`text/plain; charset=utf-8`)
 *   when it is UTF-8, else the raw bytes (`application/octet-stream`; in HTTP binary mode the
 *   request body is those bytes as they are).
 */
export function toCloudEvent(message: MessageView, options: EventOptions): OutboundEvent {
  const text = decodeUtf8(message.body);
  const json = parseJson(text);
  let invalidReason: string | undefined;

  const candidate =
    json.ok && isRecord(json.value) && 'specversion' in json.value ? json.value : undefined;
  if (candidate) {
    const missing = REQUIRED_ATTRIBUTES.filter(
      (name) => typeof candidate[name] !== 'string' || candidate[name] === '',
    );
    if (candidate.specversion !== '1.0') {
      invalidReason = `unsupported specversion ${JSON.stringify(candidate.specversion)}`;
    } else if (missing.length > 0) {
      // Checked here: the SDK would invent an id, a new one on every redelivery.
      invalidReason = `missing ${missing.join(', ')}`;
    } else {
      try {
        const event = new CloudEvent<unknown>({ ...candidate, ...options.extensions }, true);
        return { event, wrapped: false, hasTime: candidate.time !== undefined };
      } catch (error) {
        invalidReason = errorText(error);
      }
    }
  }

  const time = nsqTime(message.timestamp);
  const data = json.ok
    ? { datacontenttype: 'application/json', data: json.value }
    : text !== undefined
      ? { datacontenttype: 'text/plain; charset=utf-8', data: text }
      : { datacontenttype: 'application/octet-stream', data: message.body };
  const event = new CloudEvent<unknown>(
    {
      specversion: '1.0',
      type: NSQ_MESSAGE_TYPE,
      source: wrappedSource(options.topic, options.channel),
      id: message.id,
      ...(time === undefined ? {} : { time }),
      ...data,
      ...options.extensions,
    },
    true,
  );
  return { event, wrapped: true, hasTime: time !== undefined, invalidReason };
}

/** An HTTP request in CloudEvents binary content mode. */
export interface BinaryHttpMessage {
  headers: Record<string, string>;
  body: Buffer | string | undefined;
}

function isJsonContentType(contentType: string | undefined): boolean {
  // CloudEvents JSON format: an absent datacontenttype means application/json.
  if (contentType === undefined) return true;
  return /^(application|text)\/([^;]+\+)?json\s*(;|$)/i.test(contentType.trim());
}

/**
 * Serialises an event for HTTP binary content mode: the attributes as `ce-*` headers (by the
 * SDK's HTTP.binary) and the data as the request body. The body is worked out here because the
 * SDK sends a JSON string datum without quotes and a number as a number: JSON data is always
 * sent as JSON text, bytes as bytes.
 */
export function toBinaryHttp(outbound: OutboundEvent): BinaryHttpMessage {
  const { event } = outbound;
  const message = HTTP.binary(event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  if (!outbound.hasTime) delete headers['ce-time'];

  let body: Buffer | string | undefined;
  const data: unknown = event.data;
  if (typeof event.data_base64 === 'string') {
    body = Buffer.from(event.data_base64, 'base64');
  } else if (data === undefined) {
    body = undefined;
  } else if (ArrayBuffer.isView(data)) {
    body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  } else if (typeof data === 'string' && !isJsonContentType(event.datacontenttype)) {
    body = data;
  } else {
    body = JSON.stringify(data);
  }
  return { headers, body };
}
