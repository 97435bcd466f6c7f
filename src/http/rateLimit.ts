import { HttpError } from "../streams/HttpError";

/**
 * Counts one request against the client's budget (by cf-connecting-ip) on the RATE_LIMITER binding (or CHAT_LIMITER,
 * its name in configurations from before); over it, a 429. No binding, no limit.
 */
export async function rateLimit(env: Env, request: Request): Promise<void> {
  await countAgainst(env.RATE_LIMITER ?? env.CHAT_LIMITER, request, 60);
}

/**
 * Counts one request against a limiter's budget for the client (cf-connecting-ip); over it, a 429 whose Retry-After is
 * the limiter's period. Unbound, no limit.
 */
export async function countAgainst(limiter: RateLimit | undefined, request: Request, periodSeconds: number): Promise<void> {
  if (!limiter) return;
  const key = request.headers.get("cf-connecting-ip") ?? "local";
  const { success } = await limiter.limit({ key });
  if (!success) {
    const wait = periodSeconds === 60 ? "a minute" : `${periodSeconds} s`;
    throw new HttpError(429, "rate_limited", `too many requests; retry in ${wait}`, { "retry-after": String(periodSeconds) });
  }
}
