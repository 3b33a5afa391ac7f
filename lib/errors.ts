import type { status as GrpcStatus } from '@grpc/grpc-js';

/** A gRPC status by name (`grpc.status[name]`), so this catalogue needs no gRPC runtime. */
export type GrpcStatusName = keyof typeof GrpcStatus;

/**
 * One catalogue of every failure code facetrail sends over the wire: a stable code, its HTTP
 * status, its gRPC status (the recognizer answers with it, the code in the `error-code`
 * trailer) and a default message. HTTP bodies are `{"error":{"code","message"}}`; never a
 * stack trace. Callers (processor, CLI) decide from the code alone, never from the message.
 */
export const ERRORS = {
  INVALID_JSON: {
    status: 400,
    grpc: 'INVALID_ARGUMENT',
    message: 'the request body is not valid JSON',
  },
  INVALID_REQUEST: { status: 400, grpc: 'INVALID_ARGUMENT', message: 'the request is not valid' },
  UNAUTHORIZED: {
    status: 401,
    grpc: 'UNAUTHENTICATED',
    message: 'this endpoint needs Authorization: Bearer <key>',
  },
  FORBIDDEN: { status: 403, grpc: 'PERMISSION_DENIED', message: "this key's role may not do this" },
  CSRF_TOKEN_INVALID: {
    status: 403,
    grpc: 'PERMISSION_DENIED',
    message: 'the form is stale or was not sent by facetrail; reload the page and try again',
  },
  // Over gRPC: an unknown person on Enroll, which the caller must create first.
  NOT_FOUND: { status: 404, grpc: 'FAILED_PRECONDITION', message: 'not found' },
  METHOD_NOT_ALLOWED: { status: 405, grpc: 'UNIMPLEMENTED', message: 'method not allowed' },
  PERSON_EXISTS: {
    status: 409,
    grpc: 'ALREADY_EXISTS',
    message: 'a person with this name already exists',
  },
  KEY_EXISTS: {
    status: 409,
    grpc: 'ALREADY_EXISTS',
    message: 'a key with this name already exists',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    grpc: 'INVALID_ARGUMENT',
    message: 'the request body is too large',
  },
  TOO_MANY_PATHS: {
    status: 413,
    grpc: 'INVALID_ARGUMENT',
    message: 'too many paths in one request',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    grpc: 'INVALID_ARGUMENT',
    message: 'send application/json or an image/jpeg, image/png or image/webp body',
  },
  UNSUPPORTED_CONTENT_ENCODING: {
    status: 415,
    grpc: 'INVALID_ARGUMENT',
    message: 'send the body uncompressed, or with Content-Encoding gzip, deflate or br',
  },
  EMPTY_PATH: { status: 422, grpc: 'INVALID_ARGUMENT', message: 'the path is empty' },
  PATH_TRAVERSAL: {
    status: 422,
    grpc: 'INVALID_ARGUMENT',
    message: 'the path climbs out with ".."',
  },
  PATH_OUTSIDE_ROOT: {
    status: 422,
    grpc: 'INVALID_ARGUMENT',
    message: 'the path is outside the images root',
  },
  SYMLINK_OUTSIDE_ROOT: {
    status: 422,
    grpc: 'INVALID_ARGUMENT',
    message: 'the path is a symbolic link leading outside the images root',
  },
  PATH_IS_DIRECTORY: {
    status: 422,
    grpc: 'INVALID_ARGUMENT',
    message: 'the path is a directory, not a file',
  },
  FILE_NOT_FOUND: { status: 422, grpc: 'NOT_FOUND', message: 'no file at this path' },
  FILE_UNREADABLE: {
    status: 422,
    grpc: 'UNAVAILABLE',
    message: 'the file cannot be read now; retry later',
  },
  NOT_AN_IMAGE: {
    status: 422,
    grpc: 'INVALID_ARGUMENT',
    message: 'the file is not a JPEG, PNG or WebP image',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    grpc: 'FAILED_PRECONDITION',
    message: 'this Idempotency-Key was used for a different request',
  },
  NO_FACE: { status: 422, grpc: 'FAILED_PRECONDITION', message: 'no face was found on the photo' },
  MULTIPLE_FACES: {
    status: 422,
    grpc: 'FAILED_PRECONDITION',
    message: 'the photo shows more than one face; enroll a photo of one person',
  },
  FACE_TOO_SMALL: {
    status: 422,
    grpc: 'FAILED_PRECONDITION',
    message: 'the face is too small to enroll; enroll a photo where the face is larger',
  },
  FACE_TOO_BLURRED: {
    status: 422,
    grpc: 'FAILED_PRECONDITION',
    message: 'the face is too blurred to enroll; enroll a sharper photo',
  },
  FACE_NOT_FRONTAL: {
    status: 422,
    grpc: 'FAILED_PRECONDITION',
    message: 'the face is turned too far from the camera to enroll; enroll a photo facing it',
  },
  FACE_NOT_REPLAYABLE: {
    status: 422,
    grpc: 'FAILED_PRECONDITION',
    message: 'this face has no stored descriptor (recognised before they were kept)',
  },
  CORRUPT_IMAGE: { status: 422, grpc: 'INVALID_ARGUMENT', message: 'the image cannot be decoded' },
  IMAGE_TOO_LARGE: {
    status: 422,
    grpc: 'INVALID_ARGUMENT',
    message: 'the image has more pixels than allowed',
  },
  INTERNAL: { status: 500, grpc: 'INTERNAL', message: 'internal error' },
  RECOGNIZER_UNAVAILABLE: {
    status: 503,
    grpc: 'UNAVAILABLE',
    message: 'the recognizer is unavailable; retry later',
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    grpc: 'UNAVAILABLE',
    message: 'the database is unavailable; retry later',
  },
  QUEUE_UNAVAILABLE: {
    status: 503,
    grpc: 'UNAVAILABLE',
    message: 'the queue is unavailable; retry later',
  },
  // The recognizer refuses the call before any inference: nothing is wrong with the photo,
  // and the processor gives the attempt back.
  RECOGNIZER_STARTING: {
    status: 503,
    grpc: 'UNAVAILABLE',
    message:
      'the recognizer is starting (models warming up or known people being enrolled); retry shortly',
  },
  RECOGNIZER_BUSY: {
    status: 503,
    grpc: 'RESOURCE_EXHAUSTED',
    message: 'the recognizer has too many images waiting; retry later',
  },
  RECOGNIZER_SHUTTING_DOWN: {
    status: 503,
    grpc: 'UNAVAILABLE',
    message: 'the recognizer is shutting down; retry on another replica',
  },
  // Inference started on the photo and did not finish: the attempt counts.
  INFERENCE_CRASHED: {
    status: 503,
    grpc: 'UNAVAILABLE',
    message: 'the inference worker crashed while processing this image; retry',
  },
  INFERENCE_TIMEOUT: {
    status: 504,
    grpc: 'DEADLINE_EXCEEDED',
    message: 'inference on this image took longer than INFERENCE_TIMEOUT_MS; retry',
  },
  // The caller cancelled the call or its deadline passed; the caller never reads it.
  CALL_CANCELLED: { status: 503, grpc: 'CANCELLED', message: 'the call was cancelled' },
  // Why an image ended FAILED (GET /images/:id, `facetrail status`), besides the codes above.
  TOO_MANY_ATTEMPTS: {
    status: 422,
    grpc: 'ABORTED',
    message: 'gave up after MAX_IMAGE_ATTEMPTS attempts',
  },
  RECOGNIZER_CRASHED: {
    status: 422,
    grpc: 'ABORTED',
    message: 'the photo took a recognizer process down MAX_IMAGE_CRASHES times; not sent again',
  },
  RECOGNITION_FAILED: {
    status: 500,
    grpc: 'INTERNAL',
    message: 'the recognizer failed on this photo without a code',
  },
  METRICS_FAILED: { status: 500, grpc: 'INTERNAL', message: 'collecting metrics failed' },
} as const satisfies Record<string, { status: number; grpc: GrpcStatusName; message: string }>;

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

/** Whether a string (an `error-code` trailer, a body's code) is a code of this catalogue. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}
