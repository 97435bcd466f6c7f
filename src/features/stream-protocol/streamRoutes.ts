import type { IRequest } from "itty-router";
import { countAgainst } from "../../http/rateLimit";
import { requireToken } from "../../http/requireToken";
import { asHttpError, HttpError } from "../../streams/HttpError";
import { errorResponse } from "../../http/errorResponse";
import { isOwnStream, readOwnStream } from "./ownStreams";
import { PROTOCOL_HEADERS } from "./protocolHeaders";
import { streamName } from "./streamPath";

/**
 * Every /v1/stream/<name> request: the gate (API_TOKEN for reads and writes; writes closed without it unless
 * ALLOW_ANONYMOUS; creations counted per client), then the stream's own object, or, for one of the project's own
 * durable streams, its read-only view. Each answer may be read cross-origin by fetch (`Cross-Origin-Resource-Policy`).
 */
export async function streamRequest(request: IRequest, env: Env): Promise<Response> {
  let response: Response;
  try {
    response = await answer(request, env);
  } catch (error) {
    response = errorResponse(asHttpError(error));
  }
  response = new Response(response.body, response);
  response.headers.set("cross-origin-resource-policy", "cross-origin");
  return response;
}

async function answer(request: IRequest, env: Env): Promise<Response> {
  const name = streamName(new URL(request.url).pathname);
  const writes = request.method !== "GET" && request.method !== "HEAD";
  // Creations count against their own budget (wrangler.toml: 1,000 every 10 s).
  if (request.method === "PUT") await countAgainst(env.STREAM_CREATE_LIMITER, request, 10);
  // A wrong token counts against RATE_LIMITER, as anywhere: the creation limit is far looser.
  await requireToken(request, env, { guarded: writes });
  if (await isOwnStream(env, name)) return readOwnStream(request, env, name);
  if (!env.PROTOCOL_STREAMS) throw new HttpError(500, "bad_config", "PROTOCOL_STREAMS is not bound (wrangler.toml)");
  return env.PROTOCOL_STREAMS.getByName(name).fetch(request);
}

/**
 * A CORS preflight from an origin CORS_ORIGINS does not list (an allowed one is answered before the routes): it says
 * which methods and headers the protocol uses, and allows no origin, so the browser still refuses the request.
 */
export function streamPreflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-methods": "GET, HEAD, POST, PUT, DELETE",
      "access-control-allow-headers": ["authorization", "content-type", "if-none-match", ...PROTOCOL_HEADERS].join(", "),
    },
  });
}
