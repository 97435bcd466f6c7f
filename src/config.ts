import { HttpError } from "./http/HttpError";

/** The Worker's settings, read from `[vars]` and secrets. */
export interface Config {
  heartbeatMs: number;
}

/** Reads and checks the configuration; a bad value is a 500 that names the variable. */
export function readConfig(env: Env): Config {
  return { heartbeatMs: integerVar(env, "HEARTBEAT_MS", 10, 90_000, 15_000) };
}

function integerVar(env: Env, name: keyof Env, min: number, max: number, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(500, "bad_config", `${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
