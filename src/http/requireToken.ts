import { settings } from "../settings";
import { HttpError } from "../streams/HttpError";
import { rateLimit } from "./rateLimit";

const encoder = new TextEncoder();

export interface TokenOptions {
  /** The caller already counted this request against the rate limit (admitCostly): a wrong guess counts once. */
  counted?: boolean;
  /**
   * The route stores a caller's bytes or spends a real model key. With no API_TOKEN it is closed to everyone unless
   * ALLOW_ANONYMOUS=true opens it on purpose: a deployment of the committed files fails closed.
   */
  guarded?: boolean;
  /** Also take the token from `x-api-key`, where Anthropic's clients send their key. */
  apiKeyHeader?: boolean;
}

/**
 * With API_TOKEN set, demands `Authorization: Bearer <token>`, compared in constant time; with none, refuses a guarded
 * route unless ALLOW_ANONYMOUS is true. Reads no body. A wrong or missing token is counted against the rate limit
 * before the 401, so guessing the token is rate limited on routes that are not otherwise.
 */
export async function requireToken(request: Request, env: Env, { counted = false, guarded = false, apiKeyHeader = false }: TokenOptions = {}): Promise<void> {
  const config = settings(env);
  const token = config.apiToken;
  if (token === undefined) {
    if (guarded && !config.allowAnonymous) throw closed();
    return;
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  const given = bearer ?? (apiKeyHeader ? request.headers.get("x-api-key") : null) ?? "";
  // Digests first: timingSafeEqual needs equal lengths, and comparing digests hides the token's length too.
  const [a, b] = await Promise.all([given, token].map((s) => crypto.subtle.digest("SHA-256", encoder.encode(s))));
  if (!crypto.subtle.timingSafeEqual(a!, b!)) {
    if (!counted) await rateLimit(env, request);
    throw new HttpError(401, "unauthorized", "a valid bearer token is required", { "www-authenticate": "Bearer" });
  }
}

/** The 401 of a guarded route on a deployment that set neither API_TOKEN nor ALLOW_ANONYMOUS: it names both. */
function closed(): HttpError {
  return new HttpError(
    401,
    "token_not_configured",
    "this route stores uploads or spends the model's API key, and API_TOKEN is not set: set it (wrangler secret put API_TOKEN) " +
      "and send Authorization: Bearer <token>, or set ALLOW_ANONYMOUS=true to open it to anyone",
    { "www-authenticate": "Bearer" },
  );
}
