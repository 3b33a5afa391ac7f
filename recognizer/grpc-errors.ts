import * as grpc from '@grpc/grpc-js';
import { ERRORS, isAppError, type ErrorCode } from '../lib/errors.js';
import { ERROR_CODE_METADATA_KEY } from '../lib/recognizer/protocol.js';
import { isTransientDatabaseError } from '../lib/transient-errors.js';
import { InferenceError, type InferenceErrorKind } from './inference-protocol.js';

/** The gRPC status the catalogue (lib/errors.ts) gives a facetrail code. */
export function grpcStatusOf(code: ErrorCode): grpc.status {
  return grpc.status[ERRORS[code].grpc];
}

/** The facetrail code of each way an inference job can fail (recognizer/inference-pool.ts). */
const INFERENCE_CODE: Record<InferenceErrorKind, ErrorCode> = {
  crashed: 'INFERENCE_CRASHED',
  timeout: 'INFERENCE_TIMEOUT',
  closed: 'RECOGNIZER_SHUTTING_DOWN',
  busy: 'RECOGNIZER_BUSY',
  cancelled: 'CALL_CANCELLED',
  failed: 'INTERNAL',
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
  if (isAppError(error)) {
    return {
      status: grpcStatusOf(error.code),
      errorCode: error.code,
      message: error.message,
      unexpected: false,
    };
  }
  if (error instanceof InferenceError) {
    const errorCode = INFERENCE_CODE[error.kind];
    return {
      status: grpcStatusOf(errorCode),
      errorCode,
      message: error.message,
      unexpected: error.kind === 'failed' || error.kind === 'crashed',
    };
  }
  if (isTransientDatabaseError(error)) {
    return {
      status: grpcStatusOf('DATABASE_UNAVAILABLE'),
      errorCode: 'DATABASE_UNAVAILABLE',
      message: ERRORS.DATABASE_UNAVAILABLE.message,
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
