import { APIConnectionError, APIError, APIUserAbortError } from "openai";
import { HttpError } from "../streams/HttpError";

/**
 * Maps what the upstream did to what our caller is told. The upstream's own text is never passed on: a 401's body
 * can quote part of the key. Aborts pass through untouched, so a client that left is logged as a cancel.
 */
export function upstreamError(error: unknown): unknown {
  if (error instanceof HttpError || error instanceof APIUserAbortError) return error;
  if (error instanceof APIConnectionError) {
    return new HttpError(502, "upstream_unreachable", "the model provider could not be reached");
  }
  if (error instanceof APIError && error.status !== undefined) {
    const retryAfter = error.headers?.get("retry-after");
    const headers: Record<string, string> = retryAfter ? { "retry-after": retryAfter } : {};
    if (error.status === 401 || error.status === 403) {
      return new HttpError(502, "upstream_auth", "the model provider refused this Worker's credentials");
    }
    if (error.status === 429) {
      return new HttpError(429, "upstream_rate_limited", "the model provider is rate limiting; retry later", headers);
    }
    if (error.status >= 500) {
      return new HttpError(503, "upstream_unavailable", "the model provider is failing; retry later", headers);
    }
    return new HttpError(502, "upstream_rejected", `the model provider rejected the request (${error.status})`);
  }
  if (error instanceof Error && error.name === "AbortError") return error;
  return new HttpError(502, "upstream_failed", "the model provider failed");
}
