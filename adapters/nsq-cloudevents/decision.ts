/** What came of one attempt to POST an event to the sink. */
export type DeliveryOutcome =
  /**
   * The sink answered (any status). `retryAfterMs` is its parsed Retry-After, if any; `body`
   * the start of its answer, for logs and dead letters.
   */
  | {
      kind: 'response';
      status: number;
      retryAfterMs?: number | undefined;
      body?: string | undefined;
    }
  /** No answer within DELIVERY_TIMEOUT_MS. */
  | { kind: 'timeout' }
  /** Connection refused or reset, DNS failure, TLS failure... */
  | { kind: 'network'; error: string }
  /** The adapter gave up waiting because it is shutting down. */
  | { kind: 'aborted' };

export type DeadLetterReason = 'non-retryable-status' | 'max-attempts' | 'unconvertible';

/** What to do with the NSQ message afterwards. */
export type Decision =
  | { action: 'finish' }
  /**
   * The sink as a whole refuses (503, 429) or cannot be reached: not this message's failure.
   * The adapter requeues it without counting an attempt, stops pulling (RDY 0) and probes the
   * sink until it is healthy. `retryAfterMs` is the sink's own Retry-After, if it sent one.
   */
  | { action: 'backpressure'; retryAfterMs: number | undefined; retry: string }
  | { action: 'requeue'; delayMs: number; retry: string }
  | { action: 'dead-letter'; reason: DeadLetterReason; detail: string };

export interface RetryPolicy {
  /**
   * The failed attempt of this message (nsqd's count minus the deliveries that ended in
   * backpressure or a shutdown, see attempts.ts) at which a retryable failure is dead-lettered.
   */
  maxAttempts: number;
  /** Delay before the 2nd attempt; doubles with every attempt. */
  backoffBaseMs: number;
  /** Cap on every requeue delay, a Retry-After included. */
  backoffMaxMs: number;
}

/** Exponential backoff for the given attempt (1 = the attempt that just failed), capped. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** exponent);
}

/** 408 Request Timeout and 429 Too Many Requests are the 4xx worth trying again. */
const RETRYABLE_4XX = new Set([408, 429]);

/**
 * Answers that speak for the sink as a whole rather than for the message: 503 Service
 * Unavailable (the processor's "recognizer or database down, come back after Retry-After")
 * and 429 Too Many Requests, plus no answer at all because the sink cannot be reached.
 */
const BACKPRESSURE_STATUSES = new Set([503, 429]);

/** True when the outcome says "the sink cannot take work now", not "this message failed". */
export function isBackpressure(outcome: DeliveryOutcome): boolean {
  if (outcome.kind === 'network') return true;
  return outcome.kind === 'response' && BACKPRESSURE_STATUSES.has(outcome.status);
}

/** A short label for metrics and logs: "503", "timeout", "network"... */
export function describeOutcome(outcome: DeliveryOutcome): string {
  return outcome.kind === 'response' ? String(outcome.status) : outcome.kind;
}

/**
 * The delivery decision table (docs/architecture.md, "Events and queue topics"):
 *
 * | outcome                                   | attempts < max        | attempts >= max |
 * |-------------------------------------------|-----------------------|-----------------|
 * | 2xx                                       | FIN                   | FIN             |
 * | 503, 429, network error (backpressure)    | REQ at once, not counted; RDY 0 and probe |
 * | other 5xx, 408, 1xx/3xx, timeout          | REQ with backoff      | dead letter     |
 * | other 4xx                                 | dead letter           | dead letter     |
 * | aborted by shutdown                       | REQ at once, not counted against the sink |
 *
 * Backoff is `base * 2^(attempts-1)`, or the sink's Retry-After when that is longer, capped at
 * `backoffMaxMs`. Statuses other than 2xx/4xx/5xx (an unfollowed redirect)
 * count as retryable: a misconfigured sink should not drop messages before MAX_ATTEMPTS.
 */
export function decide(outcome: DeliveryOutcome, attempts: number, policy: RetryPolicy): Decision {
  if (outcome.kind === 'aborted') {
    return { action: 'requeue', delayMs: 0, retry: 'shutdown' };
  }
  const label = describeOutcome(outcome);
  if (isBackpressure(outcome)) {
    return {
      action: 'backpressure',
      retryAfterMs: outcome.kind === 'response' ? outcome.retryAfterMs : undefined,
      retry: label,
    };
  }
  if (outcome.kind === 'response') {
    const { status } = outcome;
    if (status >= 200 && status < 300) return { action: 'finish' };
    if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
      return {
        action: 'dead-letter',
        reason: 'non-retryable-status',
        detail: `sink answered ${status}`,
      };
    }
  }
  if (attempts >= policy.maxAttempts) {
    return {
      action: 'dead-letter',
      reason: 'max-attempts',
      detail: `attempt ${attempts} of ${policy.maxAttempts} failed: ${label}`,
    };
  }
  const retryAfterMs = outcome.kind === 'response' ? outcome.retryAfterMs : undefined;
  // Retry-After is the least the sink asks to wait; the backoff keeps growing past it, so a
  // long outage spreads MAX_ATTEMPTS over minutes rather than MAX_ATTEMPTS × Retry-After.
  const delayMs = Math.min(
    policy.backoffMaxMs,
    Math.max(retryAfterMs ?? 0, backoffDelay(attempts, policy)),
  );
  return { action: 'requeue', delayMs, retry: label };
}
