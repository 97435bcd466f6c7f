import { expect } from "vitest";
import { callWorker, newClientIp } from "./callWorker";
import { firstRefusal } from "./firstRefusal";

/**
 * Guesses API_TOKEN on `path` from one client until the rate limit answers: every wrong guess is a 401, and past 60 in
 * a minute (61st to 121st: Miniflare's windows are wall-clock minutes) a 429 with Retry-After, not another try.
 */
export async function expectGuessesLimited(path: string, init: RequestInit, vars: Partial<Env>): Promise<void> {
  const ip = newClientIp();
  const guarded = { ...vars, API_TOKEN: "s3cret" };
  const guess = (token: string) => callWorker(path, { ...init, headers: { "cf-connecting-ip": ip, authorization: `Bearer ${token}` } }, guarded);
  const { refusedAt, passed, refusal } = await firstRefusal((n) => guess(`guess-${n}`));
  expect(passed.every((status) => status === 401)).toBe(true);
  expect(refusedAt).toBeGreaterThanOrEqual(60);
  expect(refusedAt).toBeLessThanOrEqual(120);
  expect(refusal.headers.get("retry-after")).toBe("60");
}
