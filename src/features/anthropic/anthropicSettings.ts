import { badConfig, settingsGroup, urlVar } from "../../settings";

/** How `/v1/messages` answers: translated over the OpenAI-compatible upstream, or relayed to an Anthropic one. */
export interface AnthropicConfig {
  /** Set (ANTHROPIC_API_KEY): native, relayed to ANTHROPIC_BASE_URL. Unset: translated. */
  apiKey: string | undefined;
  baseURL: string;
  /** Translated: the upstream model for a Claude model's name (ANTHROPIC_MODEL_MAP); undefined means OPENAI_MODEL. */
  modelFor(requested: string): string | undefined;
}

/**
 * ANTHROPIC_API_KEY (a secret), ANTHROPIC_BASE_URL and ANTHROPIC_MODEL_MAP: a JSON object of Claude model name (or a
 * prefix ending in `*`) → upstream model. The longest match wins; a name nothing matches goes to OPENAI_MODEL, so a
 * model Claude Code picks by itself is never refused.
 */
export const anthropicSettings = settingsGroup((env): AnthropicConfig => {
  const shape = "ANTHROPIC_MODEL_MAP must be a JSON object of Claude model name (or prefix*) → upstream model";
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.ANTHROPIC_MODEL_MAP || "{}");
  } catch {
    throw badConfig(shape);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badConfig(shape);
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.some(([name, model]) => name === "" || typeof model !== "string" || model === "")) throw badConfig(shape);
  // Exact names first, then prefixes from the longest: `claude-haiku*` wins over `claude*`.
  const rules = entries
    .map(([name, model]) => ({ prefix: name.endsWith("*") ? name.slice(0, -1) : undefined, name, model: model as string }))
    .sort((a, b) => Number(a.prefix !== undefined) - Number(b.prefix !== undefined) || b.name.length - a.name.length);
  return {
    apiKey: env.ANTHROPIC_API_KEY || undefined,
    baseURL: urlVar(env, "ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
    modelFor: (requested) => rules.find((rule) => (rule.prefix === undefined ? rule.name === requested : requested.startsWith(rule.prefix)))?.model,
  };
});
