// RFC 9110 §7.6.1: these describe one connection, not the message, and never cross a proxy.
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

/** Headers for the next hop: without hop-by-hop headers (and those Connection names) nor any named in `drop`. */
export function forwardHeaders(headers: Headers, drop: string[]): Headers {
  const out = new Headers(headers);
  const named = (headers.get("connection") ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
  for (const name of [...HOP_BY_HOP, ...named, ...drop]) out.delete(name);
  for (const name of [...out.keys()]) if (name.startsWith("proxy-")) out.delete(name);
  return out;
}
