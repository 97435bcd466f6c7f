import { admitCostly } from "../http/admitCostly";
import { modelSettings, type LLMConfig } from "./modelSettings";

/**
 * The checks every model route makes before it reads a byte of the body: settings, rate limit, bearer token. With a
 * real API key the route spends the owner's money: without API_TOKEN it is closed unless ALLOW_ANONYMOUS is true; the
 * offline model stays open.
 */
export async function admitChat(request: Request, env: Env): Promise<LLMConfig> {
  const config = modelSettings(env);
  await admitCostly(request, env, { guarded: config.apiKey !== undefined });
  return config;
}

/** The largest chat request body read: the prompt cap in UTF-8's worst case, plus room for the JSON around it. */
export function chatBodyLimit(config: LLMConfig): number {
  return config.maxPromptChars * 4 + 64 * 1024;
}
