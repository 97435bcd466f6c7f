/**
 * How a stream's records are framed on the wire. `openai` is OpenAI's own SSE framing (`data: {…}` … `data: [DONE]`)
 * for the OpenAI-compatible gateway: its clients expect exactly that, so `Accept` never changes it.
 */
export type Format = "sse" | "jsonl" | "text" | "openai";

/** The framing and content type chosen for one response. */
export interface Negotiated {
  format: Format;
  contentType: string;
}

const OFFERS: Record<string, Format> = {
  "text/event-stream": "sse",
  "application/jsonl": "jsonl",
  "application/x-ndjson": "jsonl",
};

const FALLBACK_TYPE: Record<Format, string> = {
  sse: "text/event-stream",
  // JSON Lines as text/plain when not asked for by name, so a browser shows it instead of downloading it.
  jsonl: "text/plain; charset=utf-8",
  text: "text/plain; charset=utf-8",
  openai: "text/event-stream",
};

/** Picks the framing from `Accept`: the named stream type with the highest q, else the route's own default. */
export function negotiate(accept: string | null, fallback: Format): Negotiated {
  if (fallback === "openai") return { format: fallback, contentType: FALLBACK_TYPE.openai };
  let best: { type: string; q: number } | undefined;
  for (const range of (accept ?? "").split(",")) {
    const [type = "", ...params] = range.split(";").map((s) => s.trim().toLowerCase());
    if (!(type in OFFERS)) continue;
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (q > 0 && (!best || q > best.q)) best = { type, q };
  }
  if (!best) return { format: fallback, contentType: FALLBACK_TYPE[fallback] };
  return { format: OFFERS[best.type]!, contentType: best.type };
}
