import { HttpError } from "../streams/HttpError";

/** Counts one request against the client's budget (by cf-connecting-ip); over it, a 429. No binding, no limit. */
export async function rateLimit(limiter: RateLimit | undefined, request: Request): Promise<void> {
  if (!limiter) return;
  const key = request.headers.get("cf-connecting-ip") ?? "local";
  const { success } = await limiter.limit({ key });
  if (!success) throw new HttpError(429, "rate_limited", "too many requests; retry in a minute", { "retry-after": "60" });
}
