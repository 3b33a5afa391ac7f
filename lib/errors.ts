/**
 * One catalogue of the errors facetrail answers with: a stable code, its HTTP status and a
 * default message. HTTP bodies are `{"error":{"code","message"}}`; never a stack trace.
 */
export const ERRORS = {
  INVALID_JSON: { status: 400, message: 'the request body is not valid JSON' },
  INVALID_REQUEST: { status: 400, message: 'the request is not valid' },
  UNAUTHORIZED: { status: 401, message: 'this endpoint needs Authorization: Bearer <key>' },
  FORBIDDEN: { status: 403, message: "this key's role may not do this" },
  CSRF_TOKEN_INVALID: {
    status: 403,
    message: 'the form is stale or was not sent by facetrail; reload the page and try again',
  },
  NOT_FOUND: { status: 404, message: 'not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed' },
  PERSON_EXISTS: { status: 409, message: 'a person with this name already exists' },
  KEY_EXISTS: { status: 409, message: 'a key with this name already exists' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  TOO_MANY_PATHS: { status: 413, message: 'too many paths in one request' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'send application/json or an image/jpeg, image/png or image/webp body',
  },
  UNSUPPORTED_CONTENT_ENCODING: {
    status: 415,
    message: 'send the body uncompressed, or with Content-Encoding gzip, deflate or br',
  },
  EMPTY_PATH: { status: 422, message: 'the path is empty' },
  PATH_TRAVERSAL: { status: 422, message: 'the path climbs out with ".."' },
  PATH_OUTSIDE_ROOT: { status: 422, message: 'the path is outside the images root' },
  SYMLINK_OUTSIDE_ROOT: {
    status: 422,
    message: 'the path is a symbolic link leading outside the images root',
  },
  PATH_IS_DIRECTORY: { status: 422, message: 'the path is a directory, not a file' },
  FILE_NOT_FOUND: { status: 422, message: 'no file at this path' },
  FILE_UNREADABLE: { status: 422, message: 'the file cannot be read now; retry later' },
  NOT_AN_IMAGE: { status: 422, message: 'the file is not a JPEG, PNG or WebP image' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'this Idempotency-Key was used for a different request',
  },
  NO_FACE: { status: 422, message: 'no face was found on the photo' },
  MULTIPLE_FACES: {
    status: 422,
    message: 'the photo shows more than one face; enrol a photo of one person',
  },
  FACE_TOO_SMALL: {
    status: 422,
    message: 'the face is too small to enrol; enrol a photo where the face is larger',
  },
  FACE_TOO_BLURRED: {
    status: 422,
    message: 'the face is too blurred to enrol; enrol a sharper photo',
  },
  FACE_NOT_FRONTAL: {
    status: 422,
    message: 'the face is turned too far from the camera to enrol; enrol a photo facing it',
  },
  FACE_NOT_REPLAYABLE: {
    status: 422,
    message: 'this face has no stored descriptor (recognised before they were kept)',
  },
  CORRUPT_IMAGE: { status: 422, message: 'the image cannot be decoded' },
  IMAGE_TOO_LARGE: { status: 422, message: 'the image has more pixels than allowed' },
  INTERNAL: { status: 500, message: 'internal error' },
  RECOGNIZER_UNAVAILABLE: { status: 503, message: 'the recognizer is unavailable; retry later' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'the database is unavailable; retry later' },
  QUEUE_UNAVAILABLE: { status: 503, message: 'the queue is unavailable; retry later' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An error meant for the caller: code, status and an actionable message. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string = ERRORS[code].message,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.status = ERRORS[code].status;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
