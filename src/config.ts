import { HttpError } from "./http/HttpError";

/** The stream settings, read from `[vars]`. */
export interface Config {
  heartbeatMs: number;
}

/** Reads and checks the stream settings; a bad value is a 500 that names the variable. */
export function readConfig(env: Env): Config {
  return { heartbeatMs: integerVar(env, "HEARTBEAT_MS", 10, 90_000, 15_000) };
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
