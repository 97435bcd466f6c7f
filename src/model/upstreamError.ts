import { HttpError } from "../streams/HttpError";

/**
 * What an upstream's refusal becomes for our caller. The upstream's own text is never passed on: a 401's body can
 * quote part of the key.
 */
export function statusError(status: number, retryAfter: string | null): HttpError {
  const headers: Record<string, string> = retryAfter ? { "retry-after": retryAfter } : {};
  if (status === 401 || status === 403) return new HttpError(502, "upstream_auth", "the model provider refused this Worker's credentials");
  if (status === 429) return new HttpError(429, "upstream_rate_limited", "the model provider is rate limiting; retry later", headers);
  if (status >= 500) return new HttpError(503, "upstream_unavailable", "the model provider is failing; retry later", headers);
  return new HttpError(502, "upstream_rejected", `the model provider rejected the request (${status})`);
}

/** Any other fault while reading the upstream: HttpErrors and aborts pass through (a client that left is a cancel). */
export function upstreamError(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  if (error instanceof Error && error.name === "AbortError") return error;
  return new HttpError(502, "upstream_failed", "the model provider failed");
}
