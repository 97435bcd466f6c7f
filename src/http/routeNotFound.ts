import type { RouteEntry } from "itty-router";
import { HttpError } from "../streams/HttpError";

/** The last route: 405 with `Allow` when the path exists under other methods, else 404. */
export function routeNotFound(routes: RouteEntry[]) {
  return (request: Request): never => {
    const path = new URL(request.url).pathname;
    const allowed = new Set(routes.filter(([method, match]) => method !== "ALL" && match.test(path)).map(([m]) => m));
    if (allowed.size > 0) {
      const allow = [...allowed].join(", ");
      throw new HttpError(405, "method_not_allowed", `${request.method} is not allowed; use ${allow}`, { allow });
    }
    throw new HttpError(404, "not_found", `no route for ${path}`);
  };
}
