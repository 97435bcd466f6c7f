import { apiToken } from "../settings";
import { HttpError } from "../streams/HttpError";
import { rateLimit } from "./rateLimit";

const encoder = new TextEncoder();

/**
 * With API_TOKEN set, demands `Authorization: Bearer <token>`; compared in constant time. Reads no body. A wrong or
 * missing token is counted against the rate limit before the 401, so guessing the token is rate limited on routes that
 * are not otherwise; costly routes count every request first (admitCostly) and say `counted`, so a guess counts once.
 */
export async function requireToken(request: Request, env: Env, { counted = false } = {}): Promise<void> {
  const token = apiToken(env);
  if (token === undefined) return;
  const given = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
  // Digests first: timingSafeEqual needs equal lengths, and comparing digests hides the token's length too.
  const [a, b] = await Promise.all([given, token].map((s) => crypto.subtle.digest("SHA-256", encoder.encode(s))));
  if (!crypto.subtle.timingSafeEqual(a!, b!)) {
    if (!counted) await rateLimit(env.CHAT_LIMITER, request);
    throw new HttpError(401, "unauthorized", "a valid bearer token is required", { "www-authenticate": "Bearer" });
  }
}
