// The recognizer's client (processor, CLI, tests): channel (round robin, keepalive), deadlines,
// cancellation, and the classification of failures by gRPC status and the `error-code`
// trailer. The protocol it speaks (names, metadata keys, wire types) is ./protocol.ts.
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { isErrorCode, type ErrorCode } from '../errors.js';
import {
  ERROR_CODE_METADATA_KEY,
  INFERENCE_EXCLUSIVE_METADATA_KEY,
  INFERENCE_STARTED_METADATA_KEY,
  RECOGNIZER_SECRET_METADATA_KEY,
  recognizerServiceDefinition,
  type EnrollRequest,
  type EnrollResult,
  type GalleryCounts,
  type IdentifyRequest,
  type IdentifyResult,
  type ImageSource,
  type RecognizerDescription,
  type RescoreFace,
  type RescoreRequest,
  type RescoreResult,
} from './protocol.js';

/**
 * Keepalive pings on the recognizer channel: a connection to a pod that vanished (node lost,
 * network cut) is noticed within about 20 s instead of at the call's deadline.
 */
export const KEEPALIVE_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 15_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
};

/** A photo by path (inside IMAGES_ROOT of the recognizer) or by its bytes. */
export type ImageInput = { path: string } | { content: Uint8Array };

export interface CallOptions {
  /** Overrides the client's default deadline for this call. */
  deadlineMs?: number;
  /** Cancels the call (the recognizer drops its job, queued or already on a worker). */
  signal?: AbortSignal;
  /** Identify only: run alone on the recognizer (INFERENCE_EXCLUSIVE_METADATA_KEY). */
  exclusive?: boolean;
}

// ---------------------------------------------------------------------------------------
// Errors

/** gRPC codes worth retrying: the recognizer is starting, overloaded, restarting or was cut off. */
export const RETRYABLE_STATUSES: ReadonlySet<grpc.status> = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.ABORTED,
  grpc.status.INTERNAL,
  grpc.status.UNKNOWN,
  grpc.status.CANCELLED,
]);

export function isRetryableStatus(code: grpc.status): boolean {
  return RETRYABLE_STATUSES.has(code);
}

/** A failed recognizer call: the gRPC status, the facetrail code and whether a retry may help. */
export class RecognizerError extends Error {
  override name = 'RecognizerError';

  constructor(
    message: string,
    /** The gRPC status code (`grpc.status`). */
    readonly grpcCode: grpc.status,
    /**
     * The facetrail code from the `error-code` trailer; when the server sent none (the call
     * never reached it, e.g. connection refused) RECOGNIZER_UNAVAILABLE for a retryable status
     * and INTERNAL otherwise.
     */
    readonly errorCode: ErrorCode,
    /** True for UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNKNOWN, CANCELLED. */
    readonly retryable: boolean,
    options?: {
      cause?: unknown;
      /** The recognizer sent errorCode in the `error-code` trailer (else it is a default). */
      fromServer?: boolean;
      /** The recognizer said inference had started (INFERENCE_STARTED_METADATA_KEY). */
      inferenceStarted?: boolean;
    },
  ) {
    super(message, { cause: options?.cause });
    this.fromServer = options?.fromServer ?? false;
    this.inferenceStarted = options?.inferenceStarted ?? false;
  }

  readonly fromServer: boolean;
  readonly inferenceStarted: boolean;
}

/** Classifies a grpc-js error (or anything thrown around a call) as a RecognizerError. */
export function toRecognizerError(
  error: unknown,
  { inferenceStarted = false } = {},
): RecognizerError {
  if (error instanceof RecognizerError) return error;
  const serviceError = (error ?? {}) as Partial<grpc.ServiceError>;
  const grpcCode =
    typeof serviceError.code === 'number'
      ? (serviceError.code as grpc.status)
      : grpc.status.UNKNOWN;
  const retryable = isRetryableStatus(grpcCode);
  const sent =
    serviceError.metadata instanceof grpc.Metadata
      ? serviceError.metadata.get(ERROR_CODE_METADATA_KEY)[0]
      : undefined;
  const errorCode: ErrorCode = isErrorCode(sent)
    ? sent
    : retryable
      ? 'RECOGNIZER_UNAVAILABLE'
      : 'INTERNAL';
  const message =
    serviceError.details ||
    (error instanceof Error ? error.message : String(error)) ||
    grpc.status[grpcCode] ||
    'recognizer call failed';
  return new RecognizerError(message, grpcCode, errorCode, retryable, {
    cause: error,
    fromServer: isErrorCode(sent),
    inferenceStarted,
  });
}

// ---------------------------------------------------------------------------------------
// Client

export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export interface RecognizerClientOptions {
  /** RECOGNIZER_SECRET: sent with every Recognizer call (not with health checks). */
  secret: string;
  /** Deadline of each call unless the call says otherwise; default 30 s. */
  deadlineMs?: number;
  /** Default: insecure (in-cluster traffic). */
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
}

export interface RecognizerClient {
  identify(image: ImageInput, options?: CallOptions): Promise<IdentifyResult>;
  enroll(
    request: { personId: number; image: ImageInput; imageName?: string },
    options?: CallOptions,
  ): Promise<EnrollResult>;
  refreshGallery(options?: CallOptions): Promise<GalleryCounts>;
  describe(options?: CallOptions): Promise<RecognizerDescription>;
  /** Decides stored faces again against today's gallery and rule (no inference). */
  rescore(faces: RescoreFace[], options?: CallOptions): Promise<RescoreResult>;
  /** grpc.health.v1 Check: true only when the answer is SERVING; false on any error. */
  checkHealth(options?: CallOptions & { service?: string }): Promise<boolean>;
  /** grpc.health.v1 Check's raw status (SERVING, NOT_SERVING, …); rejects when there is no answer. */
  healthStatus(options?: CallOptions & { service?: string }): Promise<HealthStatus>;
  close(): void;
}

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

function toImageSource(image: ImageInput): ImageSource {
  if ('path' in image) return { path: image.path };
  const content = image.content;
  return {
    content: Buffer.isBuffer(content)
      ? content
      : Buffer.from(content.buffer, content.byteOffset, content.byteLength),
  };
}

function unary<Response>(
  client: grpc.Client,
  method: string,
  request: unknown,
  deadlineMs: number,
  signal: AbortSignal | undefined,
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<Response> {
  const fn = (client as unknown as Record<string, UnaryMethod | undefined>)[method];
  if (!fn) return Promise.reject(new Error(`no method ${method} on the client`));
  if (signal?.aborted) {
    return Promise.reject(
      new RecognizerError('the call was cancelled', grpc.status.CANCELLED, 'CALL_CANCELLED', true),
    );
  }
  return new Promise<Response>((resolve, reject) => {
    const onAbort = () => call.cancel();
    let inferenceStarted = false;
    const call = fn.call(
      client,
      request,
      metadata,
      { deadline: Date.now() + deadlineMs },
      (error, response) => {
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(toRecognizerError(error, { inferenceStarted }));
        else resolve(response as Response);
      },
    );
    call.on('metadata', (headers: grpc.Metadata) => {
      if (headers.get(INFERENCE_STARTED_METADATA_KEY).length > 0) inferenceStarted = true;
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A typed client for the recognizer (processor, CLI, tests). Every failure is a
 * RecognizerError with `retryable` set, so callers decide between retry and FAILED.
 */
export function createRecognizerClient(
  address: string,
  options: RecognizerClientOptions,
): RecognizerClient {
  const deadlineMs = options.deadlineMs ?? 30_000;
  const credentials = options.credentials ?? grpc.credentials.createInsecure();
  const Recognizer = grpc.makeClientConstructor(recognizerServiceDefinition(), 'Recognizer');
  // Spread calls over every recognizer pod the name resolves to (a headless Service gives one
  // address per pod); grpc-js's default, pick_first, would pin each client to one pod.
  const recognizer = new Recognizer(address, credentials, {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    ...KEEPALIVE_CHANNEL_OPTIONS,
    ...options.channelOptions,
  });
  const Health = grpc.makeClientConstructor(
    healthService as unknown as grpc.ServiceDefinition,
    'Health',
  );
  const health = new Health(address, credentials, { channelOverride: recognizer.getChannel() });
  const withSecret = (callOptions: CallOptions) => {
    const metadata = new grpc.Metadata();
    metadata.set(RECOGNIZER_SECRET_METADATA_KEY, `Bearer ${options.secret}`);
    if (callOptions.exclusive) metadata.set(INFERENCE_EXCLUSIVE_METADATA_KEY, '1');
    return metadata;
  };
  const call = <Response>(method: string, request: unknown, callOptions: CallOptions = {}) =>
    unary<Response>(
      recognizer,
      method,
      request,
      callOptions.deadlineMs ?? deadlineMs,
      callOptions.signal,
      withSecret(callOptions),
    );
  const healthStatus = async (
    callOptions: CallOptions & { service?: string } = {},
  ): Promise<HealthStatus> => {
    const response = await unary<{ status: HealthStatus }>(
      health,
      'Check',
      { service: callOptions.service ?? '' },
      callOptions.deadlineMs ?? Math.min(deadlineMs, 5_000),
      callOptions.signal,
    );
    return response.status;
  };

  return {
    identify: (image, callOptions) =>
      call<IdentifyResult>(
        'Identify',
        { image: toImageSource(image) } satisfies IdentifyRequest,
        callOptions,
      ),
    async enroll(request, callOptions) {
      const response = await call<EnrollResult>(
        'Enroll',
        {
          personId: request.personId,
          image: toImageSource(request.image),
          imageName: request.imageName ?? '',
        } satisfies EnrollRequest,
        callOptions,
      );
      return {
        ...response,
        box: response.alreadyEnrolled ? null : response.box,
        quality: response.alreadyEnrolled ? null : response.quality,
      };
    },
    refreshGallery: (callOptions) => call<GalleryCounts>('RefreshGallery', {}, callOptions),
    describe: (callOptions) => call<RecognizerDescription>('Describe', {}, callOptions),
    rescore: (faces, callOptions) =>
      call<RescoreResult>(
        'Rescore',
        {
          faces: faces.map((face) => ({
            ...face,
            descriptor: Buffer.from(
              face.descriptor.buffer,
              face.descriptor.byteOffset,
              face.descriptor.byteLength,
            ),
          })),
        } satisfies RescoreRequest,
        callOptions,
      ),
    healthStatus,
    async checkHealth(callOptions = {}) {
      try {
        return (await healthStatus(callOptions)) === 'SERVING';
      } catch {
        return false;
      }
    },
    close() {
      health.close();
      recognizer.close();
    },
  };
}
