import { jsonl, sse, type Framing } from "./framing";

/** The framing and content type chosen for one response. */
export interface Negotiated {
  framing: Framing;
  contentType: string;
}

/** Picks the framing from `Accept`: among `offers`, the one whose media type has the highest q, else the route's own. */
export function negotiate(accept: string | null, fallback: Framing, offers: readonly Framing[] = [sse, jsonl]): Negotiated {
  if (fallback.fixed) return { framing: fallback, contentType: fallback.contentType };
  return pickFraming(accept, offers) ?? { framing: fallback, contentType: fallback.contentType };
}

/** The framing among `offers` whose media type `Accept` names with the highest q, or undefined when it names none. */
export function pickFraming(accept: string | null, offers: readonly Framing[] = [sse, jsonl]): Negotiated | undefined {
  let best: { framing: Framing; type: string; q: number } | undefined;
  for (const range of (accept ?? "").split(",")) {
    const [type = "", ...params] = range.split(";").map((s) => s.trim().toLowerCase());
    const framing = offers.find((offer) => offer.accepts.includes(type));
    if (!framing) continue;
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (q > 0 && (!best || q > best.q)) best = { framing, type, q };
  }
  return best && { framing: best.framing, contentType: best.type };
}
