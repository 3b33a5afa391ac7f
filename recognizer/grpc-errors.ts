import * as grpc from '@grpc/grpc-js';
import { isAppError, type ErrorCode } from '../lib/errors.js';
import { ERROR_CODE_METADATA_KEY } from '../lib/recognizer-client.js';
import { isTransientDatabaseError } from '../lib/transient-errors.js';
import { InferenceError, type InferenceErrorKind } from './inference-protocol.js';

/** An error to answer with exactly this gRPC status and facetrail code. */
export class RpcFault extends Error {
  override name = 'RpcFault';

  constructor(
    readonly status: grpc.status,
    readonly errorCode: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The gRPC status for each facetrail code the recognizer answers with. */
export const STATUS_BY_CODE: Partial<Record<ErrorCode, grpc.status>> = {
  FILE_NOT_FOUND: grpc.status.NOT_FOUND,
  EMPTY_PATH: grpc.status.INVALID_ARGUMENT,
  INVALID_REQUEST: grpc.status.INVALID_ARGUMENT,
  PATH_TRAVERSAL: grpc.status.INVALID_ARGUMENT,
  PATH_OUTSIDE_ROOT: grpc.status.INVALID_ARGUMENT,
  SYMLINK_OUTSIDE_ROOT: grpc.status.INVALID_ARGUMENT,
  PATH_IS_DIRECTORY: grpc.status.INVALID_ARGUMENT,
  NOT_AN_IMAGE: grpc.status.INVALID_ARGUMENT,
  CORRUPT_IMAGE: grpc.status.INVALID_ARGUMENT,
  IMAGE_TOO_LARGE: grpc.status.INVALID_ARGUMENT,
  PAYLOAD_TOO_LARGE: grpc.status.INVALID_ARGUMENT,
  NO_FACE: grpc.status.FAILED_PRECONDITION,
  MULTIPLE_FACES: grpc.status.FAILED_PRECONDITION,
  FACE_TOO_SMALL: grpc.status.FAILED_PRECONDITION,
  FACE_TOO_BLURRED: grpc.status.FAILED_PRECONDITION,
  FACE_NOT_FRONTAL: grpc.status.FAILED_PRECONDITION,
  // An unknown person id on Enroll: the caller must create the person first.
  NOT_FOUND: grpc.status.FAILED_PRECONDITION,
  RECOGNIZER_UNAVAILABLE: grpc.status.UNAVAILABLE,
  DATABASE_UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
};

const INFERENCE_STATUS: Record<InferenceErrorKind, grpc.status> = {
  crashed: grpc.status.UNAVAILABLE,
  timeout: grpc.status.UNAVAILABLE,
  closed: grpc.status.UNAVAILABLE,
  busy: grpc.status.RESOURCE_EXHAUSTED,
  cancelled: grpc.status.CANCELLED,
  failed: grpc.status.INTERNAL,
};

export interface MappedError {
  status: grpc.status;
  errorCode: ErrorCode;
  message: string;
  /** True when the error says nothing is wrong with the request: log it loudly. */
  unexpected: boolean;
}

/** Decides the gRPC status, facetrail code and message for anything a handler threw. */
export function mapError(error: unknown): MappedError {
  if (error instanceof RpcFault)
    return {
      status: error.status,
      errorCode: error.errorCode,
      message: error.message,
      unexpected: false,
    };
  if (isAppError(error)) {
    return {
      status: STATUS_BY_CODE[error.code] ?? grpc.status.INVALID_ARGUMENT,
      errorCode: error.code,
      message: error.message,
      unexpected: false,
    };
  }
  if (error instanceof InferenceError) {
    return {
      status: INFERENCE_STATUS[error.kind],
      errorCode: error.kind === 'failed' ? 'INTERNAL' : 'RECOGNIZER_UNAVAILABLE',
      message: error.message,
      unexpected: error.kind === 'failed' || error.kind === 'crashed',
    };
  }
  if (isTransientDatabaseError(error)) {
    return {
      status: grpc.status.UNAVAILABLE,
      errorCode: 'DATABASE_UNAVAILABLE',
      message: 'the database is unavailable; retry later',
      unexpected: true,
    };
  }
  return {
    status: grpc.status.INTERNAL,
    errorCode: 'INTERNAL',
    message: 'internal error',
    unexpected: true,
  };
}

/** The error object a grpc-js unary callback takes: status, message and the `error-code` trailer. */
export function toServiceError(mapped: MappedError): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, mapped.errorCode);
  return { code: mapped.status, details: mapped.message, metadata };
}
