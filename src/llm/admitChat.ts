import { admitCostly } from "../http/admitCostly";
import { readLLMConfig, type LLMConfig } from "./llmConfig";

/** The checks every model route makes before it reads a byte of the body: settings, rate limit, bearer token. */
export async function admitChat(request: Request, env: Env): Promise<LLMConfig> {
  const config = readLLMConfig(env);
  await admitCostly(request, env, config.apiToken);
  return config;
}

/** The largest chat request body read: the prompt cap in UTF-8's worst case, plus room for the JSON around it. */
export function chatBodyLimit(config: LLMConfig): number {
  return config.maxPromptChars * 4 + 64 * 1024;
}
