import type { Request } from 'express';
import { AppError } from '../errors.js';
import { IMAGE_STATUSES, type ImageStatus } from '../db/schema.js';

/** The `?status=&personId=&limit=&before=` of image listings (frontend API, receiver, CLI). */
export function positiveIntParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new AppError('INVALID_REQUEST', `${name} must be a positive integer`);
  return number;
}

export function listFilter(req: Request, pageSize: number) {
  const status =
    req.query.status === undefined || req.query.status === ''
      ? undefined
      : String(req.query.status);
  if (status !== undefined && !IMAGE_STATUSES.includes(status as ImageStatus)) {
    throw new AppError('INVALID_REQUEST', `status must be one of ${IMAGE_STATUSES.join(', ')}`);
  }
  const limit = positiveIntParam(req.query.limit, 'limit') ?? pageSize;
  return {
    status: status as ImageStatus | undefined,
    personId: positiveIntParam(req.query.personId, 'personId'),
    before: positiveIntParam(req.query.before, 'before'),
    limit: Math.min(limit, 500),
  };
}
