import type { HttpFunction } from '@google-cloud/functions-framework';
import type { Router } from 'express';
import { AppError } from '../errors.js';
import { sendError, sendFailure } from './json-errors.js';

/** An express Router as a functions-framework HTTP function (the router answers every request itself). */
export function asHttpFunction(router: Router): HttpFunction {
  return (req, res) =>
    router(req, res, (error?: unknown) => {
      if (res.headersSent) return;
      // Same contract as the routers' own handler: a database or queue outage is a 503.
      if (error) sendFailure(res, error, undefined, {});
      else sendError(res, new AppError('NOT_FOUND'));
    });
}
