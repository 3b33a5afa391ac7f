import CircuitBreaker from 'opossum';

/** What the breaker needs from the recognizer client. */
export interface GuardedRecognizer<Request, Result> {
  identify(request: Request): Promise<Result>;
  /** grpc.health.v1 Check: true only when the recognizer answers SERVING. */
  checkHealth(): Promise<boolean>;
}

export interface BreakerOptions {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  resetTimeoutMs: number;
}

/** Raised when the half-open probe finds the recognizer not SERVING: the real call is never sent. */
export class ProbeFailedError extends Error {
  override name = 'ProbeFailedError';
  readonly retryable = true;
}

const isRetryable = (error: unknown) =>
  (error as { retryable?: boolean } | null)?.retryable !== false;

/**
 * An opossum breaker around Identify. Only transient errors (recognizer down, deadline) count
 * as failures; a missing or corrupt photo is the photo's fault, not the recognizer's. When the
 * breaker is half-open, the probe is the gRPC health check: the real request goes out only
 * if the recognizer answers SERVING (the seed pinged, and took a failed ping for success).
 */
export function createRecognizerBreaker<Request, Result>(
  recognizer: GuardedRecognizer<Request, Result>,
  options: BreakerOptions,
) {
  const breaker: CircuitBreaker<[Request], Result> = new CircuitBreaker(
    async (request: Request) => {
      if (breaker.halfOpen) {
        const serving = await recognizer.checkHealth().catch(() => false);
        if (!serving) throw new ProbeFailedError('recognizer health check did not answer SERVING');
      }
      return recognizer.identify(request);
    },
    {
      // gRPC deadlines bound each call; opossum's own timer would race them.
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      resetTimeout: options.resetTimeoutMs,
      // errorFilter returning true means: do not count this error against the recognizer.
      errorFilter: (error: unknown) => !isRetryable(error),
    },
  );
  return {
    breaker,
    identify: (request: Request) => breaker.fire(request),
    /** Open and not yet due for a probe: callers should not even claim work. */
    get open() {
      return breaker.opened;
    },
    /**
     * Whether to take work now: not while open, and while half-open only if the recognizer
     * answers SERVING (so a probe never spends an image's attempt on a recognizer still down).
     */
    async admits(): Promise<boolean> {
      if (breaker.opened) return false;
      if (!breaker.halfOpen) return true;
      return recognizer.checkHealth().catch(() => false);
    },
    shutdown: () => breaker.shutdown(),
  };
}

export function isBreakerOpenError(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'EOPENBREAKER';
}
