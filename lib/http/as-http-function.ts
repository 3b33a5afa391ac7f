import type { HttpFunction } from '@google-cloud/functions-framework';
import type { Router } from 'express';

/** An express Router as a functions-framework HTTP function (the router answers every request itself). */
export function asHttpFunction(router: Router): HttpFunction {
  return (req, res) =>
    router(req, res, (error?: unknown) => {
      if (res.headersSent) return;
      res.status(error ? 500 : 404).json({
        error: {
          code: error ? 'INTERNAL' : 'NOT_FOUND',
          message: error ? 'internal error' : 'not found',
        },
      });
    });
}
