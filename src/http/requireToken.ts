import { HttpError } from "./HttpError";
import { rateLimit } from "./rateLimit";

const encoder = new TextEncoder();

/**
 * With a token configured, demands `Authorization: Bearer <token>`; compared in constant time. Reads no body. A wrong
 * or missing token is counted against `limiter` (when given) before the 401, so guessing the token is rate limited
 * on routes that are not otherwise (costly routes count every request first: admitCostly).
 */
export async function requireToken(request: Request, token: string | undefined, limiter?: RateLimit): Promise<void> {
  if (token === undefined) return;
  const given = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
  // Digests first: timingSafeEqual needs equal lengths, and comparing digests hides the token's length too.
  const [a, b] = await Promise.all([given, token].map((s) => crypto.subtle.digest("SHA-256", encoder.encode(s))));
  if (!crypto.subtle.timingSafeEqual(a!, b!)) {
    await rateLimit(limiter, request);
    throw new HttpError(401, "unauthorized", "a valid bearer token is required", { "www-authenticate": "Bearer" });
  }
}
