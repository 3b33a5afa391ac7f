import busboy from 'busboy';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../errors.js';

/** One file of an HTML form upload. */
export interface FormFile {
  field: string;
  /** The name the browser gave (a base name), if any. */
  filename: string | undefined;
  mimeType: string;
  bytes: Buffer;
}

export interface ParsedForm {
  fields: Record<string, string>;
  files: FormFile[];
}

export interface MultipartLimits {
  maxFiles: number;
  maxFileBytes: number;
  /** Text fields (door, capturedAt, the CSRF token…), each at most 8 KiB. */
  maxFields?: number;
}

export const isMultipart = (contentType: string | undefined) =>
  /^multipart\/form-data\b/i.test(contentType ?? '');

/**
 * Parses a `multipart/form-data` body (busboy). functions-framework has already read the body
 * into a Buffer (its raw parser takes every type it does not know), within the server's body
 * limit; busboy splits it into fields and files. Empty file inputs (a form sent with no file
 * chosen) are dropped.
 */
export function parseMultipart(
  headers: IncomingHttpHeaders,
  body: unknown,
  limits: MultipartLimits,
): Promise<ParsedForm> {
  if (!Buffer.isBuffer(body))
    return Promise.reject(new AppError('INVALID_REQUEST', 'the form has no body'));
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers,
        limits: {
          files: limits.maxFiles,
          fileSize: limits.maxFileBytes,
          fields: limits.maxFields ?? 50,
          fieldSize: 8 * 1024,
          parts: limits.maxFiles + (limits.maxFields ?? 50),
        },
      });
    } catch (error) {
      reject(new AppError('INVALID_REQUEST', `not a multipart form: ${(error as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    const files: FormFile[] = [];
    let failed: AppError | undefined;
    const fail = (error: AppError) => {
      failed ??= error;
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated)
        fail(new AppError('INVALID_REQUEST', `the field "${name}" is too long`));
      fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () =>
        fail(
          new AppError(
            'PAYLOAD_TOO_LARGE',
            `the file "${info.filename ?? field}" is larger than ${limits.maxFileBytes} bytes`,
          ),
        ),
      );
      stream.on('end', () => {
        const bytes = Buffer.concat(chunks);
        if (bytes.length === 0 && !info.filename) return;
        files.push({ field, filename: info.filename || undefined, mimeType: info.mimeType, bytes });
      });
    });
    parser.on('filesLimit', () =>
      fail(new AppError('TOO_MANY_PATHS', `send at most ${limits.maxFiles} files per form`)),
    );
    parser.on('fieldsLimit', () =>
      fail(new AppError('INVALID_REQUEST', 'the form has too many fields')),
    );
    parser.on('partsLimit', () =>
      fail(new AppError('INVALID_REQUEST', 'the form has too many parts')),
    );
    parser.on('error', (error: Error) =>
      reject(new AppError('INVALID_REQUEST', `the form cannot be read: ${error.message}`)),
    );
    parser.on('close', () => (failed ? reject(failed) : resolve({ fields, files })));
    parser.end(body);
  });
}
