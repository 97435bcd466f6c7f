import type { DurableLimits } from "./streams/durable/DurableStream";
import { HttpError } from "./streams/HttpError";

/** The model's settings. */
export interface LLMConfig {
  /** Unset: the offline model answers. */
  apiKey: string | undefined;
  baseURL: string;
  /** The model asked for when the caller names none. */
  model: string;
  /** The models callers may name. */
  models: string[];
  maxPromptChars: number;
  maxTokens: number;
  firstTokenMs: number;
  idleMs: number;
  offlineTokenMs: number;
  /** How /v1/responses reaches the model: translated to chat completions, or the upstream's own /responses. */
  responses: "translate" | "native";
}

/** How long and how big a durable stream may be, and how many may read it: the toolkit's limits, every one set. */
export type DurableConfig = Required<DurableLimits>;

/** Where the proxy may go: each name's origin, or "self" for this Worker. */
export interface ProxyConfig {
  origins: Map<string, URL | "self">;
  timeoutMs: number;
  /** Send the client's address on as X-Forwarded-For; by default the origin never sees it. */
  forwardClientIp: boolean;
}

/** The upload settings. */
export interface UploadConfig {
  /** The largest body accepted. */
  maxBytes: number;
  /** What the uploads running in one isolate may hold in memory at once, all together. */
  memoryBytes: number;
  /** A body that sends nothing for this long is cut, and nothing of it kept. */
  idleMs: number;
  /** A stored upload is served this long after it was stored; the bucket's lifecycle rule deletes it (docs). */
  keepMs: number;
}

/** The tus uploads' settings. */
export interface TusConfig {
  /** The largest upload, Upload-Length or as sent. */
  maxBytes: number;
  /** An upload is kept this long after its creation, then its parts and state are deleted. */
  expireMs: number;
  /** A PATCH body that sends nothing for this long is cut; what arrived before is kept. */
  idleMs: number;
  /** A PATCH smaller than this is refused unless it ends the upload: each PATCH re-reads and re-writes the tail. */
  minPatchBytes: number;
  /** The upload memory budget of the isolate (UPLOAD_MEMORY_BYTES), shared with /api/upload: each PATCH holds a part. */
  memoryBytes: number;
}

// R2 multipart parts: all of one size but the last, at least 5 MiB, at most 10,000 of them. /api/upload's chunked
// bodies and tus uploads both store 8 MiB parts.
export const PART_BYTES = 8 * 1024 * 1024;

/**
 * Every setting of the Worker, from `[vars]` and secrets, read in this one place. Each group is checked the first time
 * it is used and then kept for as long as the `env` object lives (the isolate), so a request pays no parsing; a bad
 * value is a 500 `bad_config` naming the variable, never echoing it, and fails only the routes that use its group.
 */
export class Settings {
  readonly #env: Env;
  #heartbeatMs?: number;
  #allowAnonymous?: boolean;
  #corsOrigins?: Set<string>;
  #llm?: LLMConfig;
  #durable?: DurableConfig;
  #proxy?: ProxyConfig;
  #upload?: UploadConfig;
  #tus?: TusConfig;

  constructor(env: Env) {
    this.#env = env;
  }

  /** Set: the costly routes, uploads and stream readers need this bearer token. */
  get apiToken(): string | undefined {
    return this.#env.API_TOKEN || undefined;
  }

  /**
   * ALLOW_ANONYMOUS: with no API_TOKEN, routes that store a caller's bytes or spend a real model key are closed unless
   * this is true. `npm start` sets it for local use; the committed wrangler.toml says false, so a deploy fails closed.
   */
  get allowAnonymous(): boolean {
    return (this.#allowAnonymous ??= booleanVar(this.#env, "ALLOW_ANONYMOUS", false));
  }

  /** Milliseconds of silence after which a stream sends a heartbeat. */
  get heartbeatMs(): number {
    return (this.#heartbeatMs ??= integerVar(this.#env, "HEARTBEAT_MS", 10, 90_000, 15_000));
  }

  /** The browser origins allowed to call the API from other sites; empty: same-origin only. */
  get corsOrigins(): Set<string> {
    return (this.#corsOrigins ??= readCorsOrigins(this.#env));
  }

  get llm(): LLMConfig {
    return (this.#llm ??= readLLM(this.#env));
  }

  /** The durable streams' limits: DURABLE_*, or the CHAT_RESUME_* names deployed configurations still use. */
  get durable(): DurableConfig {
    const env = this.#env;
    return (this.#durable ??= {
      keepMs: integerVar(env, legacy(env, "DURABLE_KEEP_SECONDS", "CHAT_RESUME_KEEP_SECONDS"), 1, 7 * 24 * 3600, 600) * 1000,
      detachedMs: integerVar(env, legacy(env, "DURABLE_DETACHED_SECONDS", "CHAT_RESUME_DETACHED_SECONDS"), 1, 3600, 120) * 1000,
      maxEvents: integerVar(env, legacy(env, "DURABLE_MAX_EVENTS", "CHAT_RESUME_MAX_EVENTS"), 2, 1_000_000, 4096),
      // Records are written to SQLite in batches, one row each: a stream may not outgrow a row (2 MB).
      maxBytes: integerVar(env, legacy(env, "DURABLE_MAX_BYTES", "CHAT_RESUME_MAX_BYTES"), 1024, 2_000_000, 1024 * 1024),
      maxReaders: integerVar(env, "DURABLE_MAX_READERS", 1, 1000, 16),
      readerBufferBytes: integerVar(env, "DURABLE_READER_BUFFER_BYTES", 1024, 16 * 1024 * 1024, 256 * 1024),
    });
  }

  get proxy(): ProxyConfig {
    return (this.#proxy ??= readProxy(this.#env));
  }

  get upload(): UploadConfig {
    return (this.#upload ??= {
      maxBytes: integerVar(this.#env, "UPLOAD_MAX_BYTES", 0, 5 * 1024 ** 3, 100 * 1024 * 1024),
      memoryBytes: integerVar(this.#env, "UPLOAD_MEMORY_BYTES", 1024 * 1024, 1024 ** 3, 64 * 1024 * 1024),
      idleMs: integerVar(this.#env, "UPLOAD_IDLE_TIMEOUT_MS", 10, 600_000, 30_000),
      keepMs: integerVar(this.#env, "UPLOAD_KEEP_DAYS", 1, 3650, 30) * 86_400_000,
    });
  }

  get tus(): TusConfig {
    return (this.#tus ??= {
      maxBytes: integerVar(this.#env, "TUS_MAX_BYTES", 0, 10_000 * PART_BYTES, 10 * 1024 ** 3),
      // R2 aborts a multipart upload left open for 7 days: an upload may not outlive its parts.
      expireMs: integerVar(this.#env, "TUS_EXPIRE_SECONDS", 1, 7 * 86_400, 86_400) * 1000,
      idleMs: integerVar(this.#env, "UPLOAD_IDLE_TIMEOUT_MS", 10, 600_000, 30_000),
      minPatchBytes: integerVar(this.#env, "TUS_MIN_PATCH_BYTES", 1, PART_BYTES, 1024 * 1024),
      memoryBytes: this.upload.memoryBytes,
    });
  }
}

const cache = new WeakMap<Env, Settings>();

/** The settings of this `env`, read once per isolate. */
export function settings(env: Env): Settings {
  let found = cache.get(env);
  if (!found) cache.set(env, (found = new Settings(env)));
  return found;
}

function readLLM(env: Env): LLMConfig {
  const model = env.OPENAI_MODEL || "gpt-4o-mini";
  const listed = (env.OPENAI_MODELS ?? "").split(",").map((m) => m.trim()).filter(Boolean);
  return {
    apiKey: env.OPENAI_API_KEY || undefined,
    baseURL: urlVar(env, "OPENAI_BASE_URL", "https://api.openai.com/v1"),
    model,
    models: listed.length > 0 ? listed : [model],
    maxPromptChars: integerVar(env, "CHAT_MAX_PROMPT_CHARS", 1, 10_000_000, 32_000),
    maxTokens: integerVar(env, "CHAT_MAX_TOKENS", 1, 1_000_000, 1024),
    firstTokenMs: integerVar(env, "CHAT_FIRST_TOKEN_TIMEOUT_MS", 10, 600_000, 30_000),
    idleMs: integerVar(env, "CHAT_IDLE_TIMEOUT_MS", 10, 600_000, 30_000),
    offlineTokenMs: integerVar(env, "OFFLINE_TOKEN_MS", 0, 10_000, 40),
    responses: responsesMode(env),
  };
}

/** OPENAI_RESPONSES: translate (the default) or native; with no API key the offline model answers, in chat form. */
function responsesMode(env: Env): "translate" | "native" {
  const mode = env.OPENAI_RESPONSES || "translate";
  if (mode !== "translate" && mode !== "native") throw badConfig("OPENAI_RESPONSES must be translate or native");
  return env.OPENAI_API_KEY ? mode : "translate";
}

/** PROXY_ORIGINS (a JSON object of name → http(s) origin or "self"), PROXY_TIMEOUT_MS and PROXY_FORWARD_CLIENT_IP. */
function readProxy(env: Env): ProxyConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.PROXY_ORIGINS || '{"self":"self"}');
  } catch {
    throw badConfig("PROXY_ORIGINS must be a JSON object of name → origin");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badConfig("PROXY_ORIGINS must be a JSON object of name → origin");
  }
  const origins = new Map<string, URL | "self">();
  for (const [name, value] of Object.entries(parsed)) {
    if (value === "self") {
      origins.set(name, "self");
      continue;
    }
    const url = typeof value === "string" && URL.canParse(value) ? new URL(value) : undefined;
    const isOrigin = url && (url.protocol === "http:" || url.protocol === "https:") && url.pathname === "/" &&
      !url.search && !url.hash && !url.username && !url.password;
    if (!isOrigin) throw badConfig(`PROXY_ORIGINS.${name} must be an http(s) origin such as https://example.com, or "self"`);
    origins.set(name, url);
  }
  const forward = env.PROXY_FORWARD_CLIENT_IP ?? "";
  if (!["", "true", "false"].includes(forward)) throw badConfig("PROXY_FORWARD_CLIENT_IP must be true or false");
  return { origins, timeoutMs: integerVar(env, "PROXY_TIMEOUT_MS", 10, 600_000, 30_000), forwardClientIp: forward === "true" };
}

/** CORS_ORIGINS: comma-separated origins such as https://app.example. */
function readCorsOrigins(env: Env): Set<string> {
  const origins = new Set<string>();
  for (const entry of (env.CORS_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean)) {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== entry) {
      throw badConfig("CORS_ORIGINS must be a comma-separated list of origins such as https://app.example");
    }
    origins.add(entry);
  }
  return origins;
}

/** The variable's name, or its older name when only that one is set: a deployed configuration keeps working. */
function legacy(env: Env, name: keyof Env, older: keyof Env): keyof Env {
  const set = (key: keyof Env) => env[key] !== undefined && env[key] !== "";
  return !set(name) && set(older) ? older : name;
}

/** An integer variable within bounds, or `fallback` when unset; anything else is a bad_config error naming it. */
function integerVar(env: Env, name: keyof Env, min: number, max: number, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || !Number.isInteger(value) || value < min || value > max) {
    throw badConfig(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A "true" or "false" variable, or `fallback` when unset. */
function booleanVar(env: Env, name: keyof Env, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw !== "true" && raw !== "false") throw badConfig(`${name} must be true or false`);
  return raw === "true";
}

/** An http(s) URL variable, or `fallback` when unset. */
function urlVar(env: Env, name: keyof Env, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const url = typeof raw === "string" && URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw badConfig(`${name} must be an http(s) URL`);
  return raw as string;
}

/** The error for a setting that cannot be used. Its message names the variable and never echoes the value. */
function badConfig(message: string): HttpError {
  return new HttpError(500, "bad_config", message);
}
