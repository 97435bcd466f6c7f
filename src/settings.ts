import { HttpError } from "./streams/HttpError";

/**
 * The settings every feature shares, from `[vars]` and secrets. Each is checked the first time it is used and then
 * kept for as long as the `env` object lives (the isolate), so a request pays no parsing; a bad value is a 500
 * `bad_config` naming the variable, never echoing it. A feature's or a shared layer's own settings are a group beside
 * its code (`settingsGroup`), read the same way and failing only the routes that use it.
 */
export class Settings {
  readonly #env: Env;
  #heartbeatMs?: number;
  #allowAnonymous?: boolean;
  #corsOrigins?: Set<string>;

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
}

/** The shared settings of this `env`, read once per isolate. */
export const settings = settingsGroup((env) => new Settings(env));

/**
 * A group of settings read by `read` the first time an `env` asks, then kept for as long as that `env` object lives:
 * how each feature and shared layer declares its own settings beside its code.
 */
export function settingsGroup<T>(read: (env: Env) => T): (env: Env) => T {
  const cache = new WeakMap<Env, T>();
  return (env) => {
    let found = cache.get(env);
    if (found === undefined) cache.set(env, (found = read(env)));
    return found;
  };
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
export function legacy(env: Env, name: keyof Env, older: keyof Env): keyof Env {
  const set = (key: keyof Env) => env[key] !== undefined && env[key] !== "";
  return !set(name) && set(older) ? older : name;
}

/** An integer variable within bounds, or `fallback` when unset; anything else is a bad_config error naming it. */
export function integerVar(env: Env, name: keyof Env, min: number, max: number, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || !Number.isInteger(value) || value < min || value > max) {
    throw badConfig(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A "true" or "false" variable, or `fallback` when unset. */
export function booleanVar(env: Env, name: keyof Env, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw !== "true" && raw !== "false") throw badConfig(`${name} must be true or false`);
  return raw === "true";
}

/** An http(s) URL variable, or `fallback` when unset. */
export function urlVar(env: Env, name: keyof Env, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const url = typeof raw === "string" && URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw badConfig(`${name} must be an http(s) URL`);
  return raw as string;
}

/** The error for a setting that cannot be used. Its message names the variable and never echoes the value. */
export function badConfig(message: string): HttpError {
  return new HttpError(500, "bad_config", message);
}
