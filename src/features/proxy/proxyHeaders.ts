import { forwardHeaders } from "../../http/hopByHop";

// Names this proxy in Via (RFC 9110 §7.6.3), so a request that comes back through it can be refused.
export const VIA = "1.1 edge-streams";

// Request headers that carry the client's credentials, or its identity (real or spoofed), to a third party.
const CLIENT_ONLY = ["cookie", "authorization", "host", "via", "forwarded", "x-real-ip", "true-client-ip", "cdn-loop"];
// Response headers that speak for the upstream's own origin, or take the Worker's decisions (CORS) for it.
const ORIGIN_ONLY = ["set-cookie", "strict-transport-security", "clear-site-data", "alt-svc"];

/** What the upstream is sent: no hop-by-hop headers, nothing that identifies the client unless asked, and our Via. */
export function upstreamRequestHeaders(request: Request, forwardClientIp: boolean, self: boolean): Headers {
  const headers = forwardHeaders(request.headers, CLIENT_ONLY);
  for (const name of [...headers.keys()]) {
    // This Worker, reached through `self`, is no third party: it keeps the address its rate limit counts by.
    if (name.startsWith("x-forwarded-") || (name.startsWith("cf-") && !(self && name === "cf-connecting-ip"))) headers.delete(name);
  }
  const client = request.headers.get("cf-connecting-ip");
  if (forwardClientIp && client) headers.set("x-forwarded-for", client);
  headers.set("via", VIA);
  return headers;
}

/**
 * What the client is sent of the upstream's headers: no hop-by-hop or origin-scoped ones, a Location on the upstream
 * pointed back under `/proxy/<name>/`, and a sandbox, so nothing fetched from elsewhere runs as this origin's page. A
 * streamed body (no Content-Length) is marked `content-encoding: identity`: the local runtime would otherwise gzip a
 * text body and hold it all until the end, while a file with a length is still compressed at the edge.
 */
export function clientResponseHeaders(response: Response, upstreamOrigin: string, prefix: string): Headers {
  const headers = forwardHeaders(response.headers, ORIGIN_ONLY);
  for (const name of [...headers.keys()]) if (name.startsWith("access-control-")) headers.delete(name);
  const location = headers.get("location");
  if (location !== null && URL.canParse(location, upstreamOrigin)) {
    const target = new URL(location, upstreamOrigin);
    if (target.origin === upstreamOrigin) headers.set("location", prefix + target.pathname + target.search + target.hash);
  }
  headers.append("content-security-policy", "sandbox");
  if (response.body && !headers.has("content-length") && !headers.has("content-encoding")) headers.set("content-encoding", "identity");
  return headers;
}
