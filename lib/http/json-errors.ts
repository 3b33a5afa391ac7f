import type { ErrorRequestHandler, Response } from 'express';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { bodyParserError } from './body-limits.js';

export function sendError(res: Response, error: AppError): void {
  // RFC 6750: a 401 names the scheme the client should use.
  if (error.status === 401) res.set('WWW-Authenticate', 'Bearer realm="facetrail"');
  res.status(error.status).json(error.toJSON());
}

/** Maps body-parser failures and AppErrors to the JSON error contract; anything else is a 500 without its stack. */
export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    let appError: AppError;
    if (error instanceof AppError) appError = error;
    else if (bodyParserError(error)) appError = bodyParserError(error)!;
    else {
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
      appError = new AppError('INTERNAL', 'internal error; the server log has the details');
    }
    if (appError.status >= 500 && appError.code !== 'INTERNAL')
      logger.warn({ code: appError.code, url: req.originalUrl }, appError.message);
    sendError(res, appError);
  };
}
