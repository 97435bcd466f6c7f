import { HttpError } from "../streams/HttpError";

/**
 * Counts one request against the client's budget (by cf-connecting-ip) on the RATE_LIMITER binding (or CHAT_LIMITER,
 * its name in configurations from before); over it, a 429. No binding, no limit.
 */
export async function rateLimit(env: Env, request: Request): Promise<void> {
  const limiter = env.RATE_LIMITER ?? env.CHAT_LIMITER;
  if (!limiter) return;
  const key = request.headers.get("cf-connecting-ip") ?? "local";
  const { success } = await limiter.limit({ key });
  if (!success) throw new HttpError(429, "rate_limited", "too many requests; retry in a minute", { "retry-after": "60" });
}
