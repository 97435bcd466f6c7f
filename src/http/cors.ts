import { settings } from "../settings";

// Request headers a page may send cross-origin, and response headers it may read.
const ALLOW_HEADERS = "authorization, content-type, content-digest, last-event-id, range, if-range, if-none-match, accept, " +
  "tus-resumable, upload-length, upload-defer-length, upload-offset, upload-metadata, upload-checksum, " +
  "x-api-key, anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access, mcp-session-id, mcp-protocol-version, " +
  "stream-ttl, stream-expires-at, stream-closed, stream-seq, stream-forked-from, stream-fork-offset, stream-fork-sub-offset, " +
  "producer-id, producer-epoch, producer-seq";
const EXPOSE_HEADERS = "content-digest, repr-digest, content-range, retry-after, location, etag, stream-id, content-location, " +
  "tus-resumable, tus-version, tus-extension, tus-max-size, tus-checksum-algorithm, upload-offset, upload-length, upload-expires, upload-metadata, " +
  "x-workflow-run-id, x-workflow-stream-tail-index, mcp-session-id, " +
  "stream-next-offset, stream-up-to-date, stream-closed, stream-cursor, stream-ttl, stream-expires-at, stream-sse-data-encoding, " +
  "producer-epoch, producer-seq, producer-expected-seq, producer-received-seq";

/** The request's Origin when CORS_ORIGINS allows it. */
function allowed(request: Request, env: Env): string | undefined {
  const origin = request.headers.get("origin");
  return origin !== null && settings(env).corsOrigins.has(origin) ? origin : undefined;
}

/** Answers a CORS preflight from an allowed origin; anything else goes on to the routes. */
export function preflight(request: Request, env: Env): Response | undefined {
  if (request.method !== "OPTIONS" || !request.headers.has("access-control-request-method")) return undefined;
  const origin = allowed(request, env);
  if (!origin) return undefined;
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
      "access-control-allow-headers": ALLOW_HEADERS,
      "access-control-max-age": "600",
      vary: "Origin",
    },
  });
}

/** Lets an allowed origin read the response: its own origin echoed (never `*`), and Vary: Origin for caches. */
export function withCors(response: Response, request: Request, env: Env): Response {
  const origin = allowed(request, env);
  if (origin) {
    response.headers.set("access-control-allow-origin", origin);
    response.headers.set("access-control-expose-headers", EXPOSE_HEADERS);
  }
  if (env.CORS_ORIGINS) response.headers.append("vary", "Origin");
  return response;
}
