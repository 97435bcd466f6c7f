import OpenAI from "openai";
import type { LLMConfig } from "../settings";
import { offlineModel } from "./offlineModel";

// One client per isolate and configuration: building one per request costs each stream a fixed slice of CPU.
let cached: { key: string; client: OpenAI } | undefined;

/** The `openai` client for the configured upstream; with no API key, the offline model stands in as its fetch. */
export function modelClient(config: LLMConfig): OpenAI {
  const key = JSON.stringify([config.apiKey, config.baseURL, config.offlineTokenMs]);
  if (cached?.key !== key) {
    const client = new OpenAI({
      apiKey: config.apiKey ?? "offline",
      baseURL: config.baseURL,
      fetch: config.apiKey ? undefined : offlineModel(config.offlineTokenMs),
      // No retries here: they would hold the first token back. The caller gets 429/503 with Retry-After instead.
      maxRetries: 0,
    });
    cached = { key, client };
  }
  return cached.client;
}
