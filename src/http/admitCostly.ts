import { rateLimit } from "./rateLimit";
import { requireToken } from "./requireToken";

/**
 * The gate of a costly route (the model, the proxy, uploads), before a byte of the body is read: the client's rate
 * limit, counted before the token is checked so a wrong guess costs the guesser as much as a request, then API_TOKEN.
 * `guarded`: the route stores a caller's bytes or spends a real model key, and is closed without API_TOKEN unless
 * ALLOW_ANONYMOUS is true. `apiKeyHeader`: the token may come in `x-api-key` too (Anthropic's clients).
 */
export async function admitCostly(request: Request, env: Env, { guarded = false, apiKeyHeader = false } = {}): Promise<void> {
  await rateLimit(env, request);
  await requireToken(request, env, { counted: true, guarded, apiKeyHeader });
}
