import { rateLimit } from "../http/rateLimit";
import { requireToken } from "../http/requireToken";
import { readLLMConfig, type LLMConfig } from "./llmConfig";

/** The checks every model route makes before it reads a byte of the body: settings, rate limit, bearer token. */
export async function admitChat(request: Request, env: Env): Promise<LLMConfig> {
  const config = readLLMConfig(env);
  // Counted before the token is checked: a wrong guess costs the guesser as much as a request.
  await rateLimit(env.CHAT_LIMITER, request);
  await requireToken(request, config.apiToken);
  return config;
}

/** The largest chat request body read: the prompt cap in UTF-8's worst case, plus room for the JSON around it. */
export function chatBodyLimit(config: LLMConfig): number {
  return config.maxPromptChars * 4 + 64 * 1024;
}
