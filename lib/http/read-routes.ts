import type { Request, RequestHandler } from 'express';
import express, { type Router } from 'express';
import type { ImageRecord } from '../image-record.js';
import { AppError } from '../errors.js';

export interface ReadRouteDeps {
  images: { get(id: number): Promise<ImageRecord | undefined> };
  people: { list(): Promise<unknown[]> };
}

/** A positive integer id from the URL, or a 404 naming what was looked for. */
export function idParam(value: string | string[] | undefined, what: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new AppError('NOT_FOUND', `no ${what} with id "${String(value)}"`);
  return id;
}

/** One image's record, or a 404; the JSON route and the frontend's image page share it. */
export async function imageOr404(deps: ReadRouteDeps, req: Request): Promise<ImageRecord> {
  const id = idParam(req.params.id, 'image');
  const record = await deps.images.get(id);
  if (!record) throw new AppError('NOT_FOUND', `no image with id ${id}`);
  return record;
}

/**
 * The JSON read routes the receiver (for the CLI) and the frontend (under /api) both serve:
 * `GET /images/:id` and `GET /people`, behind the caller's guard (a viewer key or session).
 */
export function readRoutes(deps: ReadRouteDeps, guard: RequestHandler[] = []): Router {
  const router = express.Router();
  router.get('/images/:id', ...guard, async (req, res) => {
    res.json(await imageOr404(deps, req));
  });
  router.get('/people', ...guard, async (_req, res) => {
    res.json({ people: await deps.people.list() });
  });
  return router;
}
