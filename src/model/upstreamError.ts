import { HttpError } from "../streams/HttpError";

/**
 * What an upstream's refusal becomes for our caller. The upstream's own text is never passed on: a 401's body can
 * quote part of the key. 408, 409, 429 and 5xx say the upstream could not take the request now, not that it is wrong.
 */
export function statusError(status: number, retryAfter: string | null): HttpError {
  const headers: Record<string, string> = retryAfter ? { "retry-after": retryAfter } : {};
  if (status === 401 || status === 403) return new HttpError(502, "upstream_auth", "the model provider refused this Worker's credentials");
  if (status === 408) return new HttpError(504, "upstream_timeout", "the model provider timed the request out");
  if (status === 429) return new HttpError(429, "upstream_rate_limited", "the model provider is rate limiting; retry later", headers);
  if (status === 409 || status >= 500) return new HttpError(503, "upstream_unavailable", "the model provider is failing; retry later", headers);
  return new HttpError(502, "upstream_rejected", `the model provider rejected the request (${status})`);
}

/** Any other fault while reading the upstream: HttpErrors and aborts pass through (a client that left is a cancel). */
export function upstreamError(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  if (error instanceof Error && error.name === "AbortError") return error;
  return new HttpError(502, "upstream_failed", "the model provider failed");
}

// The upstream, not the request, failed: unreachable, cut or failing before it said anything, busy, rate limiting,
// timing out or silent past the first-token wait. Never a 4xx about the request, a refused key, or a client leaving.
const UPSTREAM_FAULTS = new Set(["upstream_unreachable", "upstream_cut", "upstream_failed", "upstream_timeout", "upstream_rate_limited", "upstream_unavailable"]);

/** Whether another upstream may be tried after `error`: only ever asked before the first delta reached anyone. */
export function isUpstreamFault(error: unknown): boolean {
  return error instanceof HttpError && UPSTREAM_FAULTS.has(error.code);
}
