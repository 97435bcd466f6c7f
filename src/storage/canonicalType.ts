import { HttpError } from "../streams/HttpError";

const TOKEN = "[a-z0-9!#$&^_.+-]+";
const TYPE = new RegExp(`^\\s*(${TOKEN}/${TOKEN})\\s*(?:;(.*))?$`, "i");
const CHARSET = /^\s*charset\s*=\s*"?([a-z0-9_.:-]+)"?\s*$/i;

/**
 * A media type as this Worker stores and serves it: `type/subtype`, lower-cased, with a charset if one was given and
 * nothing else. Browsers read a comma list as several types and take the last (`text/plain;,text/html` renders as
 * HTML), so a type with a comma or a control character is refused (400), never stored.
 */
export function canonicalType(raw: string | null | undefined, fallback = "application/octet-stream"): string {
  if (raw === null || raw === undefined || raw.trim() === "") return fallback;
  const match = /[\x00-\x1f\x7f,]/.test(raw) ? null : TYPE.exec(raw);
  if (!match) throw new HttpError(400, "bad_content_type", "the content type must be one type/subtype, with no commas or control characters");
  const charset = (match[2] ?? "").split(";").map((p) => CHARSET.exec(p)?.[1]).find(Boolean);
  return match[1]!.toLowerCase() + (charset ? `; charset=${charset.toLowerCase()}` : "");
}
