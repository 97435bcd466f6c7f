import { rateLimit } from "./rateLimit";
import { requireToken } from "./requireToken";

/**
 * The gate of a costly route (the model, the proxy), before a byte of the body is read: the client's rate limit,
 * counted before the token is checked so a wrong guess costs the guesser as much as a request, then API_TOKEN.
 */
export async function admitCostly(request: Request, env: Env): Promise<void> {
  await rateLimit(env.CHAT_LIMITER, request);
  await requireToken(request, env, { counted: true });
}
