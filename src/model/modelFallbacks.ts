import { badConfig } from "../settings";

/** An upstream the model pipeline may call after the primary (OPENAI_BASE_URL) fails before its first token. */
export interface Fallback {
  baseURL: string;
  /** The model asked of this upstream; unset, the one the caller asked for. */
  model?: string;
  /** Its key, read from the variable its `keyVar` names; unset, requests go without one (a keyless local server). */
  apiKey?: string;
}

// More than this is a retry loop, not a fallback list: each one can cost a client CHAT_FIRST_TOKEN_TIMEOUT_MS.
const MAX_FALLBACKS = 8;
const FIELDS = new Set(["baseUrl", "model", "keyVar"]);

/**
 * MODEL_FALLBACKS: a JSON list of `{ "baseUrl": "…", "model": "…"?, "keyVar": "NAME"? }`, tried in order. `keyVar`
 * names the secret holding that upstream's key, never the key itself: a field this does not know is refused, so a
 * key pasted into the list fails the deploy's first request instead of sitting in wrangler.toml.
 */
export function modelFallbacks(env: Env): Fallback[] {
  const raw = env.MODEL_FALLBACKS;
  if (raw === undefined || raw === "") return [];
  const shape = "MODEL_FALLBACKS must be a JSON list of {baseUrl, model?, keyVar?}";
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw badConfig(shape);
  }
  if (!Array.isArray(list)) throw badConfig(shape);
  if (list.length > MAX_FALLBACKS) throw badConfig(`MODEL_FALLBACKS may list at most ${MAX_FALLBACKS} upstreams`);
  if (list.length > 0 && !env.OPENAI_API_KEY) {
    // With no key the offline model answers every request and no fallback is ever tried: say so, rather than serve it.
    throw badConfig("MODEL_FALLBACKS is set but OPENAI_API_KEY is not: the offline model would answer instead");
  }
  return list.map((entry: unknown, i): Fallback => {
    const where = `MODEL_FALLBACKS[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw badConfig(`${where} must be an object: ${shape}`);
    const { baseUrl, model, keyVar } = entry as Record<string, unknown>;
    const unknown = Object.keys(entry).find((field) => !FIELDS.has(field));
    if (unknown !== undefined) throw badConfig(`${where} has a field it does not know (only baseUrl, model, keyVar; a key goes in a secret keyVar names)`);
    const url = typeof baseUrl === "string" && URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw badConfig(`${where}.baseUrl must be an http(s) URL`);
    if (model !== undefined && (typeof model !== "string" || model === "" || model.length > 200)) throw badConfig(`${where}.model must be a model name`);
    if (keyVar === undefined) return { baseURL: baseUrl as string, model };
    if (typeof keyVar !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(keyVar)) throw badConfig(`${where}.keyVar must name a variable`);
    const apiKey = (env as unknown as Record<string, unknown>)[keyVar];
    if (typeof apiKey !== "string" || apiKey === "") throw badConfig(`${where}.keyVar names ${keyVar}, which is not set`);
    return { baseURL: baseUrl as string, model, apiKey };
  });
}
