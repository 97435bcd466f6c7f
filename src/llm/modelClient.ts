import OpenAI from "openai";
import type { LLMConfig } from "./llmConfig";
import { offlineModel } from "./offlineModel";

/** The `openai` client for the configured upstream; with no API key, the offline model stands in as its fetch. */
export function modelClient(config: LLMConfig): OpenAI {
  return new OpenAI({
    apiKey: config.apiKey ?? "offline",
    baseURL: config.baseURL,
    fetch: config.apiKey ? undefined : offlineModel(config.offlineTokenMs),
    // No retries here: they would hold the first token back. The caller gets 429/503 with Retry-After instead.
    maxRetries: 0,
  });
}
