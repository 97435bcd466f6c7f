import type { IRequest } from "itty-router";
import type { NamedProducer } from "../streams/durable/DurableStream";
import type { Framing } from "../streams/framing";

/** What every route is: a handler of the request, with the Worker's env and context. */
export type Handler = (request: IRequest, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** One route: a method, an itty-router path (`/api/chat/:streamId`, `/proxy/:name/*`) and its handler. */
export interface Route {
  method: Method;
  path: string;
  handler: Handler;
}

/**
 * A feature: everything it adds to the Worker, by reference. `src/index.ts` lists the features; the Worker's router
 * and its durable stream object are built from that list, so removing a feature is removing its folder and its line.
 */
export interface Feature {
  /** Its folder under src/features/. */
  name: string;
  routes: Route[];
  /** The producers its durable streams run (`durableProducer`). */
  producers?: NamedProducer<never, Env>[];
  /** Its protocols' framings, beside SSE and JSON Lines: a durable stream is read back in the one it was made in. */
  framings?: Framing[];
}

/** A route, written as a feature lists it: `route("GET", "/api/ticker", ticker)`. */
export function route(method: Method, path: string, handler: Handler): Route {
  return { method, path, handler };
}
