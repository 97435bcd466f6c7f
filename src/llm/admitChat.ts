import { admitCostly } from "../http/admitCostly";
import { settings, type LLMConfig } from "../settings";

/** The checks every model route makes before it reads a byte of the body: settings, rate limit, bearer token. */
export async function admitChat(request: Request, env: Env): Promise<LLMConfig> {
  const config = settings(env).llm;
  await admitCostly(request, env);
  return config;
}

/** The largest chat request body read: the prompt cap in UTF-8's worst case, plus room for the JSON around it. */
export function chatBodyLimit(config: LLMConfig): number {
  return config.maxPromptChars * 4 + 64 * 1024;
}
