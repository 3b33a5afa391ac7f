import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../errors.js';

/** Events, queries, forms and JSON submissions are small: what a function takes unless it says otherwise. */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

/** Content-Encodings a client may send a body in; anything else is refused before it is read. */
export const SUPPORTED_CONTENT_ENCODINGS = ['identity', 'gzip', 'deflate', 'br'] as const;

export interface BodyLimits {
  /** Any body (uploads, forms with files), counted after decoding. */
  maxBodyBytes: number;
  /** JSON, text and URL-encoded bodies, counted after decoding. */
  maxJsonBytes: number;
}

/** True when the request says it carries a body (a length above 0, or chunked). */
export function declaresBody(req: IncomingMessage): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
  );
}

/** The body's Content-Encoding when facetrail cannot decode it, else undefined. */
export function unsupportedEncoding(req: IncomingMessage): string | undefined {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  return (SUPPORTED_CONTENT_ENCODINGS as readonly string[]).includes(encoding)
    ? undefined
    : encoding;
}

/**
 * Reads and parses the body before functions-framework sees the request, with our limits.
 * The framework's own parsers take up to 1 GiB and inflate compressed bodies up to that; these
 * count the decoded bytes while they stream and stop at the limit (body-parser's `limit`
 * applies after inflation). Once the body is read, the framework's parsers find the request
 * finished and leave `req.body` as it is. The raw body is kept as `req.rawBody`, as the
 * framework does (the processor reads CloudEvents from it).
 */
export function createBodyReader(
  limits: BodyLimits,
): (req: IncomingMessage, res: ServerResponse, done: (error?: unknown) => void) => void {
  const verify = (req: IncomingMessage, _res: ServerResponse, buffer: Buffer) => {
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buffer;
  };
  const small = Math.min(limits.maxJsonBytes, limits.maxBodyBytes);
  // In the framework's order: the first parser whose type matches reads the body.
  const parsers: RequestHandler[] = [
    express.json({ type: ['application/json', 'application/*+json'], limit: small, verify }),
    express.text({ limit: small, verify }),
    express.urlencoded({ extended: true, limit: small, verify }),
    express.raw({ type: '*/*', limit: limits.maxBodyBytes, verify }),
  ];
  // Parsers that skip call on synchronously: the one that reads must be listening before the
  // request flows (a tick later, data would be gone).
  return (req, res, done) => {
    const run = (index: number) => {
      const parser = parsers[index];
      if (!parser) return done();
      parser(req as Request, res as Response, (error?: unknown) => {
        if (error) return done(error);
        if ((req as { body?: unknown }).body !== undefined) return done();
        run(index + 1);
      });
    };
    run(0);
  };
}

/** A body-parser failure as the error the caller gets, or undefined when it is not one. */
export function bodyParserError(error: unknown): AppError | undefined {
  const { type, limit } = error as { type?: string; limit?: number };
  switch (type) {
    case 'entity.parse.failed':
      return new AppError(
        'INVALID_JSON',
        `the body is not valid JSON: ${(error as Error).message}`,
      );
    case 'entity.too.large':
      return new AppError(
        'PAYLOAD_TOO_LARGE',
        limit === undefined
          ? undefined
          : `the body (decoded, if it was compressed) is larger than ${limit} bytes`,
      );
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_CONTENT_ENCODING', (error as Error).message);
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', (error as Error).message);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('INVALID_REQUEST', (error as Error).message);
    default:
      // A corrupt gzip/deflate/br stream surfaces as a zlib error with a Z_ code.
      if (/^Z_/.test(String((error as { code?: unknown }).code ?? '')))
        return new AppError('INVALID_REQUEST', 'the compressed body cannot be decoded');
      return undefined;
  }
}
