import type { IRequest } from "itty-router";
import { HttpError } from "../../streams/HttpError";
import { admitCostly } from "../../http/admitCostly";
import { proxySettings } from "./proxySettings";
import { clientResponseHeaders, upstreamRequestHeaders, VIA } from "./proxyHeaders";

const SELF = new URL("http://self");

/**
 * GET|HEAD /proxy/:name/*: the upstream's response, body and all, as it arrives. The body goes from the upstream's
 * native stream straight into the response, never through JavaScript: the proxy costs nothing per byte. Only origins
 * on PROXY_ORIGINS are fetched, with the rate limit and API_TOKEN of the chat routes (an allow-listed origin is
 * otherwise an open relay); redirects are passed back rather than followed; a request that came through this proxy
 * is refused (508). Headers both ways follow proxyHeaders.ts; Range, ETag, 206/304/416 and Content-Length pass untouched.
 */
export async function proxy(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const { origins, timeoutMs, forwardClientIp } = proxySettings(env);
  await admitCostly(request, env);
  if ((request.headers.get("via") ?? "").includes(VIA)) {
    throw new HttpError(508, "proxy_loop", "this request already came through the proxy");
  }
  const url = new URL(request.url);
  const name = request.params.name ?? "";
  const origin = origins.get(name);
  if (!origin) throw new HttpError(404, "unknown_origin", "no proxy origin by that name");
  const base = origin === "self" ? SELF : origin;
  // Concatenated, never resolved: "//evil.example" or "/../" in the path cannot leave the origin.
  const target = new URL(base.origin + (url.pathname.slice(`/proxy/${name}`.length) || "/") + url.search);
  if (target.origin !== base.origin) throw new HttpError(404, "unknown_origin", "no proxy origin by that name");

  const upstream = new AbortController();
  const leave = () => upstream.abort(new DOMException("the client left", "AbortError"));
  request.signal.addEventListener("abort", leave, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    upstream.abort();
  }, timeoutMs);
  const init: RequestInit = {
    method: request.method,
    headers: upstreamRequestHeaders(request, forwardClientIp, origin === "self"),
    redirect: "manual",
    signal: upstream.signal,
  };
  let response: Response;
  try {
    response = origin === "self" ? await ctx.exports.default.fetch(target, init) : await fetch(target, init);
  } catch (error) {
    if (timedOut) throw new HttpError(504, "upstream_timeout", `${name} sent no response in time`);
    if (request.signal.aborted) throw error;
    throw new HttpError(502, "upstream_unreachable", `${name} could not be reached`);
  } finally {
    clearTimeout(timer);
  }
  console.log(JSON.stringify({ msg: "proxied", route: request.route, name, method: request.method, status: response.status }));
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: clientResponseHeaders(response, base.origin, `/proxy/${name}`),
  });
}
