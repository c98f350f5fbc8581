/**
 * The AWS SDK's standard retry behaviour (`@smithy/core/retry`, StandardRetryStrategy with its
 * 2026 settings), for the front's own AWS client: which errors are retried, how long to wait, and
 * the client-wide retry quota that stops retry storms when a service is down.
 * - retried: throttling (HTTP 429 or a throttling error code) and transient errors (HTTP 500, 502,
 *   503, 504, timeouts, connection resets/refusals, DNS failures); nothing else;
 * - wait before retry n (0-based): `random × min(base × 2^n, 20 s)` ("full jitter"), base 1 s for
 *   throttling, the client's base otherwise (DynamoDB 25 ms, other services 50 ms);
 * - quota: 500 tokens; a retry costs 5 (throttling) or 14 (other); a success gives back the cost
 *   of its last retry, or 1. A retry the quota cannot pay is not made.
 */

export const THROTTLING_ERROR_CODES: ReadonlySet<string> = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);
const TRANSIENT_ERROR_CODES: ReadonlySet<string> = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
const TRANSIENT_STATUS_CODES: ReadonlySet<number> = new Set([500, 502, 503, 504]);
const NODE_TRANSIENT_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

const MAX_DELAY_MS = 20_000;
const THROTTLING_BASE_MS = 1_000;
const QUOTA = 500;
const THROTTLING_COST = 5;
const TRANSIENT_COST = 14;
const NO_RETRY_INCREMENT = 1;

export type RetryClass = "throttling" | "transient" | "none";

interface ClassifiableError {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** How the SDK classifies an error for retries. */
export function retryClassOf(err: unknown, depth = 0): RetryClass {
  const e = (err ?? {}) as ClassifiableError;
  if (e.name === "AbortError") return "none";
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || (e.name !== undefined && THROTTLING_ERROR_CODES.has(e.name))) return "throttling";
  if (
    (e.name !== undefined && TRANSIENT_ERROR_CODES.has(e.name)) ||
    (e.code !== undefined && NODE_TRANSIENT_CODES.has(e.code)) ||
    (status !== undefined && TRANSIENT_STATUS_CODES.has(status)) ||
    (e.name === "InvalidSignatureException" && e.message?.includes("Signature expired") === true)
  )
    return "transient";
  if (e.cause !== undefined && depth < 10 && retryClassOf(e.cause, depth + 1) === "transient") return "transient";
  return "none";
}

/** The retry quota and backoff of one client (shared by all its calls, as the SDK's is). */
export class RetryPolicy {
  private capacity = QUOTA;

  /**
   * @param maxAttempts attempts per call, the first included (SDK default: 3; DynamoDB 4)
   * @param baseDelayMs backoff base for non-throttling errors (SDK: 50 ms; DynamoDB 25 ms)
   */
  constructor(
    readonly maxAttempts: number,
    private readonly baseDelayMs: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`maxAttempts must be a positive integer, got ${String(maxAttempts)}`);
  }

  /**
   * After a failed attempt (`retries` made so far): the wait before the next attempt and the quota
   * it took, or undefined when the error is not retried (not retryable, attempts or quota spent).
   */
  retryAfter(err: unknown, retries: number): { delayMs: number; cost: number } | undefined {
    const kind = retryClassOf(err);
    if (kind === "none" || retries + 1 >= this.maxAttempts) return undefined;
    const cost = kind === "throttling" ? THROTTLING_COST : TRANSIENT_COST;
    if (this.capacity < cost) return undefined;
    this.capacity -= cost;
    const base = kind === "throttling" ? THROTTLING_BASE_MS : this.baseDelayMs;
    return { delayMs: Math.floor(this.random() * Math.min(base * 2 ** retries, MAX_DELAY_MS)), cost };
  }

  /** After a successful attempt; `lastCost` is what its last retry took from the quota. */
  succeeded(lastCost: number | undefined): void {
    this.capacity = Math.min(QUOTA, this.capacity + (lastCost ?? NO_RETRY_INCREMENT));
  }

  /** Tokens left (tests). */
  get quota(): number {
    return this.capacity;
  }
}
