/** A record that SSE sends as a named event (`event: <event>`, its `data` the JSON of `data`); JSON Lines writes it as is. */
export interface NamedRecord<E extends string = string, D = unknown> {
  event: E;
  data: D;
}

// Names the SSE framing keeps for itself, and what a name may look like: one token, no line break.
const RESERVED = new Set(["message", "done", "error"]);
const NAME = /^[A-Za-z][\w.-]{0,63}$/;

/** A named record: `event: reasoning` for `named("reasoning", "…")`. Readers give it back as `{ event, data }`. */
export function named<E extends string, D>(event: E, data: D): NamedRecord<E, D> {
  return { event, data };
}

/**
 * The event name a record is sent under: a `{ event, data }` object with no other key and a usable name. Anything else
 * (a reserved name such as `done` included) is a default event holding the whole value, so no record forges an end.
 */
export function eventName(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { event } = value as { event?: unknown };
  if (typeof event !== "string" || !("data" in value) || Object.keys(value).length !== 2) return undefined;
  return NAME.test(event) && !RESERVED.has(event) ? event : undefined;
}
