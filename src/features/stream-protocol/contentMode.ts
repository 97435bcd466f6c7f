/**
 * How a stream's content is kept and sent, from its content type: `json` (application/json: messages, each a record,
 * read back as a JSON array), `text` (text/*: bytes, sent as text over SSE) or `bytes` (anything else: bytes, sent as
 * base64 over SSE). Text and bytes are recorded as base64 strings, a record per append or per part of a long one.
 */
export type ContentMode = "json" | "text" | "bytes";

export function contentMode(contentType: string): ContentMode {
  const essence = essenceOf(contentType);
  if (essence === "application/json") return "json";
  return essence.startsWith("text/") ? "text" : "bytes";
}

/** The media type without its parameters, lower-cased: what two content types are compared by. */
export function essenceOf(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

