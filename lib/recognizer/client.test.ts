import * as grpc from '@grpc/grpc-js';
import {
  createRecognizerClient,
  isRetryableStatus,
  RecognizerError,
  toRecognizerError,
} from './client.js';
import { findRecognizerProto, recognizerServiceDefinition } from './protocol.js';

function serviceError(code: grpc.status, details: string, errorCode?: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (errorCode) metadata.set('error-code', errorCode);
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), {
    code,
    details,
    metadata,
  });
}

describe('isRetryableStatus', () => {
  it.each([
    ['UNAVAILABLE', true],
    ['DEADLINE_EXCEEDED', true],
    ['RESOURCE_EXHAUSTED', true],
    ['ABORTED', true],
    ['INTERNAL', true],
    ['UNKNOWN', true],
    ['CANCELLED', true],
    ['INVALID_ARGUMENT', false],
    ['NOT_FOUND', false],
    ['FAILED_PRECONDITION', false],
    ['PERMISSION_DENIED', false],
    ['UNAUTHENTICATED', false],
    ['UNIMPLEMENTED', false],
    ['ALREADY_EXISTS', false],
    ['OUT_OF_RANGE', false],
    ['DATA_LOSS', false],
  ] as const)('%s → %s', (name, retryable) => {
    expect(isRetryableStatus(grpc.status[name])).toBe(retryable);
  });
});

describe('toRecognizerError', () => {
  it('carries the status, the facetrail code from the trailer and the server message', () => {
    const error = toRecognizerError(
      serviceError(grpc.status.NOT_FOUND, 'no file at "x.jpg"', 'FILE_NOT_FOUND'),
    );
    expect(error).toBeInstanceOf(RecognizerError);
    expect(error).toMatchObject({
      grpcCode: grpc.status.NOT_FOUND,
      errorCode: 'FILE_NOT_FOUND',
      retryable: false,
      message: 'no file at "x.jpg"',
    });
  });

  it('keeps a permanent facetrail code on a permanent status', () => {
    expect(
      toRecognizerError(
        serviceError(grpc.status.FAILED_PRECONDITION, 'two faces', 'MULTIPLE_FACES'),
      ),
    ).toMatchObject({
      errorCode: 'MULTIPLE_FACES',
      retryable: false,
    });
  });

  it('falls back to RECOGNIZER_UNAVAILABLE for a retryable status without a trailer (connection refused)', () => {
    expect(
      toRecognizerError(serviceError(grpc.status.UNAVAILABLE, 'No connection established')),
    ).toMatchObject({
      errorCode: 'RECOGNIZER_UNAVAILABLE',
      retryable: true,
    });
    expect(
      toRecognizerError(serviceError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded')),
    ).toMatchObject({
      errorCode: 'RECOGNIZER_UNAVAILABLE',
      retryable: true,
    });
  });

  it('falls back to INTERNAL for a permanent status without a usable trailer', () => {
    expect(
      toRecognizerError(serviceError(grpc.status.UNIMPLEMENTED, 'no such method')),
    ).toMatchObject({ errorCode: 'INTERNAL', retryable: false });
    expect(
      toRecognizerError(serviceError(grpc.status.INVALID_ARGUMENT, 'x', 'NOT_A_REAL_CODE')),
    ).toMatchObject({ errorCode: 'INTERNAL' });
  });

  it('treats something that is not a gRPC error as UNKNOWN, hence retryable', () => {
    expect(toRecognizerError(new Error('socket hang up'))).toMatchObject({
      grpcCode: grpc.status.UNKNOWN,
      retryable: true,
      message: 'socket hang up',
    });
  });
});

describe('the proto', () => {
  it('is found from lib/ and declares the five RPCs', () => {
    expect(findRecognizerProto()).toMatch(/proto\/recognizer\/v1\/recognizer\.proto$/);
    expect(Object.keys(recognizerServiceDefinition()).sort()).toEqual([
      'Describe',
      'Enroll',
      'Identify',
      'RefreshGallery',
      'Rescore',
    ]);
  });
});

describe('createRecognizerClient', () => {
  it('reports an unreachable recognizer as a retryable error and as unhealthy', async () => {
    const client = createRecognizerClient('127.0.0.1:1', {
      deadlineMs: 2000,
      secret: 'unit-test-secret-0123',
    });
    try {
      await expect(client.identify({ path: 'x.jpg' })).rejects.toMatchObject({
        retryable: true,
        errorCode: 'RECOGNIZER_UNAVAILABLE',
      });
      await expect(client.checkHealth()).resolves.toBe(false);
    } finally {
      client.close();
    }
  });
});
