import { HttpError } from "../../streams/HttpError";

// An offset is two zero-padded numbers, so that offsets sort as strings do (the protocol compares them that way): the
// reference server's shape, which the conformance suite writes by hand for the start of a stream. The first is always
// 0 here; the second is the record's position.
const WIDTH = 16;
const FIRST = "0".repeat(WIDTH);
const OFFSET = /^0{16}_(\d{16})$/;

/** The offset after record `seq`: where a reader that has it asks next. */
export function formatOffset(seq: number): string {
  return `${FIRST}_${String(seq).padStart(WIDTH, "0")}`;
}

/** A request's `offset`: the records the reader has (-1 or none: 0), or "now" (the tail, whatever it is then). */
export function offsetParam(url: URL): number | "now" {
  const given = url.searchParams.getAll("offset");
  if (given.length === 0) return 0;
  if (given.length > 1) throw badOffset("offset is given more than once");
  return parseOffset(given[0]!, "offset");
}

/** What a read asks for: its offset, its live mode (none: catch-up), and the cursor it echoes. */
export interface ReadQuery {
  offset: number | "now";
  live: "long-poll" | "sse" | null;
  cursor: string | null;
}

/** A read's query, checked: `live` is long-poll or sse, and a live read names its offset. */
export function readQuery(url: URL): ReadQuery {
  const live = url.searchParams.get("live");
  if (live !== null && live !== "long-poll" && live !== "sse") throw new HttpError(400, "bad_live", "live must be long-poll or sse");
  if (live !== null && !url.searchParams.has("offset")) throw new HttpError(400, "offset_required", `live=${live} needs an offset`);
  return { offset: offsetParam(url), live, cursor: url.searchParams.get("cursor") };
}

/** An offset from a query parameter or a header (`Stream-Fork-Offset`); "-1" is the start. */
export function parseOffset(value: string, name: string): number | "now" {
  if (value === "-1") return 0;
  if (value === "now") return "now";
  const match = OFFSET.exec(value);
  if (!match) throw badOffset(`${name} must be an offset this server returned, -1 or now`);
  return Number(match[1]);
}

function badOffset(message: string): HttpError {
  return new HttpError(400, "bad_offset", message);
}
