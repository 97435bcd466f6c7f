import { integerVar, settingsGroup, urlVar } from "../settings";
import { modelFallbacks, type Fallback } from "./modelFallbacks";

/** The model's settings: OPENAI_*, MODEL_FALLBACKS, CHAT_* and OFFLINE_TOKEN_MS. */
export interface LLMConfig {
  /** Unset: the offline model answers. */
  apiKey: string | undefined;
  baseURL: string;
  /** Tried in order when the primary fails before its first token (MODEL_FALLBACKS). */
  fallbacks: Fallback[];
  /** The model asked for when the caller names none. */
  model: string;
  /** The models callers may name. */
  models: string[];
  maxPromptChars: number;
  maxTokens: number;
  firstTokenMs: number;
  idleMs: number;
  offlineTokenMs: number;
}

/** The model settings of this `env`, read once per isolate. */
export const modelSettings = settingsGroup((env): LLMConfig => {
  const model = env.OPENAI_MODEL || "gpt-4o-mini";
  const listed = (env.OPENAI_MODELS ?? "").split(",").map((m) => m.trim()).filter(Boolean);
  return {
    apiKey: env.OPENAI_API_KEY || undefined,
    baseURL: urlVar(env, "OPENAI_BASE_URL", "https://api.openai.com/v1"),
    fallbacks: modelFallbacks(env),
    model,
    models: listed.length > 0 ? listed : [model],
    maxPromptChars: integerVar(env, "CHAT_MAX_PROMPT_CHARS", 1, 10_000_000, 32_000),
    maxTokens: integerVar(env, "CHAT_MAX_TOKENS", 1, 1_000_000, 1024),
    firstTokenMs: integerVar(env, "CHAT_FIRST_TOKEN_TIMEOUT_MS", 10, 600_000, 30_000),
    idleMs: integerVar(env, "CHAT_IDLE_TIMEOUT_MS", 10, 600_000, 30_000),
    offlineTokenMs: integerVar(env, "OFFLINE_TOKEN_MS", 0, 10_000, 40),
  };
});
