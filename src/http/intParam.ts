import { HttpError } from "../streams/HttpError";

/** Reads an integer query parameter within bounds; anything else is a 400 that says what is allowed. */
export function intParam(url: URL, name: string, bounds: { min: number; max: number; fallback: number }): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return bounds.fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < bounds.min || value > bounds.max) {
    throw new HttpError(400, "bad_request", `${name} must be an integer from ${bounds.min} to ${bounds.max}`);
  }
  return value;
}
