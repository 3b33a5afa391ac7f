import {
  isTransientDatabaseError,
  isTransientQueueError,
  QueueUnavailableError,
} from './transient-errors.js';
import { toAppError } from './http/json-errors.js';
import { AppError } from './errors.js';

const driverError = (fields: { code?: string; errno?: number }) =>
  Object.assign(new Error('driver said something'), fields);

describe('isTransientDatabaseError', () => {
  it.each([
    'ECONNREFUSED',
    'PROTOCOL_CONNECTION_LOST',
    'ER_LOCK_DEADLOCK',
    'ER_QUERY_TIMEOUT',
    'DATABASE_ACQUIRE_TIMEOUT',
    'DATABASE_QUEUE_FULL',
  ])('%s is transient', (code) => {
    expect(isTransientDatabaseError(driverError({ code }))).toBe(true);
  });

  it('knows MariaDB errors mysql2 has no name for, by number', () => {
    expect(isTransientDatabaseError(driverError({ errno: 1969 }))).toBe(true); // max_statement_time
    expect(isTransientDatabaseError(driverError({ errno: 1927 }))).toBe(true); // connection killed
  });

  it('finds the driver error behind a wrapper', () => {
    const wrapped = new Error('could not list', { cause: driverError({ code: 'ECONNRESET' }) });
    expect(isTransientDatabaseError(wrapped)).toBe(true);
  });

  it('does not take a bug, a bad query or a message for an outage', () => {
    expect(isTransientDatabaseError(driverError({ code: 'ER_PARSE_ERROR', errno: 1064 }))).toBe(
      false,
    );
    expect(isTransientDatabaseError(driverError({ code: 'ER_DUP_ENTRY' }))).toBe(false);
    expect(isTransientDatabaseError(new Error('connect ECONNREFUSED 127.0.0.1:3306'))).toBe(false);
    expect(isTransientDatabaseError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientDatabaseError(undefined)).toBe(false);
  });

  it('leaves a queue failure to the queue, even when a socket error caused it', () => {
    const queue = new QueueUnavailableError('publish failed', {
      cause: driverError({ code: 'ECONNREFUSED' }),
    });
    expect(isTransientQueueError(queue)).toBe(true);
    expect(isTransientDatabaseError(queue)).toBe(false);
  });
});

describe('isTransientQueueError', () => {
  it('is true only for the publisher’s coded failure', () => {
    expect(isTransientQueueError(new QueueUnavailableError('nsqd down'))).toBe(true);
    expect(isTransientQueueError(new Error('nsqd down'))).toBe(false);
    expect(isTransientQueueError(driverError({ code: 'ECONNREFUSED' }))).toBe(false);
  });
});

describe('toAppError', () => {
  it('answers an outage with its own 503 code', () => {
    expect(toAppError(driverError({ code: 'ECONNREFUSED' }))).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      status: 503,
    });
    expect(toAppError(new QueueUnavailableError('nsqd down'))).toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
      status: 503,
    });
  });

  it('keeps an AppError and leaves a bug to the 500', () => {
    const notFound = new AppError('NOT_FOUND');
    expect(toAppError(notFound)).toBe(notFound);
    expect(toAppError(new TypeError('bug'))).toBeUndefined();
  });
});
