import type { ErrorRequestHandler, Response } from 'express';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isTransientDatabaseError, isTransientQueueError } from '../transient-errors.js';
import { bodyParserError } from './body-limits.js';

/** How long a client is asked to wait after a 503 unless the route said otherwise. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

export function sendError(
  res: Response,
  error: AppError,
  retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS,
): void {
  // RFC 6750: a 401 names the scheme the client should use.
  if (error.status === 401) res.set('WWW-Authenticate', 'Bearer realm="facetrail"');
  // RFC 9110: a 503 says when to come back; clients and the adapter back off by it.
  if (error.status === 503 && !res.get('Retry-After'))
    res.set('Retry-After', String(retryAfterSeconds));
  res.status(error.status).json(error.toJSON());
}

/**
 * The AppError a failure is answered with: itself, a body-parser refusal, a dependency that is
 * down (the database or the queue: 503, worth retrying), or undefined for a bug (a 500).
 */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const refusedBody = bodyParserError(error);
  if (refusedBody) return refusedBody;
  if (isTransientQueueError(error)) return new AppError('QUEUE_UNAVAILABLE');
  if (isTransientDatabaseError(error)) return new AppError('DATABASE_UNAVAILABLE');
  return undefined;
}

/** Answers any failure with the JSON error contract; a bug is a 500 without its stack. */
export function sendFailure(
  res: Response,
  error: unknown,
  logger: Logger | undefined,
  context: Record<string, unknown>,
  retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS,
): void {
  let appError = toAppError(error);
  if (!appError) {
    logger?.error({ err: error, ...context }, 'request failed');
    appError = new AppError('INTERNAL', 'internal error; the server log has the details');
  } else if (appError.status >= 500) {
    logger?.warn(
      { code: appError.code, err: (error as Error).message, ...context },
      appError.message,
    );
  }
  sendError(res, appError, retryAfterSeconds);
}

/** Maps body-parser failures, AppErrors and dependency outages to the JSON error contract. */
export function jsonErrorHandler(
  logger: Logger,
  { retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS } = {},
): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    sendFailure(
      res,
      error,
      logger,
      { method: req.method, url: req.originalUrl },
      retryAfterSeconds,
    );
  };
}
