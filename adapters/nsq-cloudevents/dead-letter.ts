import type { DeadLetterReason, DeliveryOutcome } from './decision.js';
import { wrappedSource } from './cloudevent.js';
import type { Publisher } from '../../lib/queue/nsq-writer.js';

export const DEAD_LETTER_TYPE = 'dev.facetrail.nsq.deadletter';

/** Everything known about a message given up on. */
export interface DeadLetterInfo {
  reason: DeadLetterReason;
  detail: string;
  /** The last delivery attempt's outcome, when there was one. */
  outcome?: DeliveryOutcome | undefined;
  attempts: number;
  messageId: string;
  topic: string;
  channel: string;
  body: Buffer;
}

/** The `data` of a dead-letter event. */
export interface DeadLetterData {
  reason: DeadLetterReason;
  detail: string;
  /** The sink's last HTTP status, or null (timeout, network error, never sent). */
  status: number | null;
  /** The start of the sink's last answer, or null. */
  response: string | null;
  attempts: number;
  messageId: string;
  topic: string;
  channel: string;
  /** The original message body, exactly: `Buffer.from(body, bodyEncoding)` gives the bytes back. */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The dead-letter message: a structured-mode CloudEvent (JSON) of type
 * `dev.facetrail.nsq.deadletter` whose data says why (reason, last status, attempts) and carries
 * the original body byte for byte (as text when it is UTF-8, else base64). Being a CloudEvent, it
 * can itself be forwarded by another adapter reading the dead-letter topic (to an alerting or
 * replay service) without being wrapped again. Its id is the NSQ message id, so a dead letter
 * published twice (a publish acknowledged too late) can be recognised as one.
 */
export function buildDeadLetter(info: DeadLetterInfo, now: Date = new Date()): string {
  let body: string;
  let bodyEncoding: DeadLetterData['bodyEncoding'];
  try {
    body = utf8.decode(info.body);
    bodyEncoding = 'utf8';
  } catch {
    body = info.body.toString('base64');
    bodyEncoding = 'base64';
  }
  const response = info.outcome?.kind === 'response' ? info.outcome : undefined;
  const data: DeadLetterData = {
    reason: info.reason,
    detail: info.detail,
    status: response?.status ?? null,
    response: response?.body ?? null,
    attempts: info.attempts,
    messageId: info.messageId,
    topic: info.topic,
    channel: info.channel,
    body,
    bodyEncoding,
  };
  return JSON.stringify({
    specversion: '1.0',
    type: DEAD_LETTER_TYPE,
    source: wrappedSource(info.topic, info.channel),
    id: info.messageId,
    subject: info.messageId,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    data,
  });
}

/** The original message body from a dead letter (for replay tools and tests). */
export function originalBody(deadLetter: {
  data: Pick<DeadLetterData, 'body' | 'bodyEncoding'>;
}): Buffer {
  return Buffer.from(deadLetter.data.body, deadLetter.data.bodyEncoding);
}

export interface DeadLetterSink {
  send(info: DeadLetterInfo): Promise<void>;
}

/** Publishes dead letters to one topic; rejects when the publisher gave up. */
export function createDeadLetterSink(publisher: Publisher, topic: string): DeadLetterSink {
  return {
    send: (info) => publisher.publish(topic, buildDeadLetter(info)),
  };
}
