import { Router } from "itty-router";
import { cancelStream, readStream } from "../durable/streams";
import { preflight, withCors } from "../http/cors";
import { errorResponse } from "../http/errorResponse";
import { routeNotFound } from "../http/routeNotFound";
import { withSecurityHeaders } from "../http/withSecurityHeaders";
import { route, type Feature, type Route } from "./Feature";

// The Worker's own routes, whatever its features: any durable stream, read from a position and followed live, or
// cancelled.
const durableRoutes: Route[] = [
  route("GET", "/api/streams/:streamId", readStream),
  route("DELETE", "/api/streams/:streamId", cancelStream),
];

/**
 * The Worker's fetch handler: the features' routes, with CORS, security headers and JSON errors on every answer, and
 * 405 with Allow for a known path asked with another method, else 404. A route listed twice is a mistake, thrown at once.
 */
export function worker(features: Feature[]): { fetch: (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response> } {
  // Router, not AutoRouter: AutoRouter hands each handler the request wrapped in a Proxy (withParams) whose every
  // property read binds a method anew, a cost on every request that `npm run bench:profile` shows; handlers here read
  // `request.params`, which Router sets on the request itself, and get a Request they can pass to a Durable Object.
  // Every route returns a Response (Handler) and the last one answers 404/405, so AutoRouter's formatter and 404
  // are not needed either.
  const router = Router({ before: [preflight], catch: errorResponse, finally: [withSecurityHeaders, withCors] });
  const seen = new Set<string>();
  for (const { method, path, handler } of [...features.flatMap((feature) => feature.routes), ...durableRoutes]) {
    const key = `${method} ${path}`;
    if (seen.has(key)) throw new Error(`two routes for ${key}`);
    seen.add(key);
    router[method.toLowerCase() as "get"](path, handler);
  }
  router.all("*", routeNotFound(router.routes));
  return { fetch: router.fetch };
}
