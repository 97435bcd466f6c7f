import { settings } from "../../settings";
import { RpcError, SERVER_ERROR } from "./jsonRpc";

// A client on this machine or its network: loopback, private (RFC 1918, IPv6 unique local) and link-local addresses.
const NEARBY_CLIENT = /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|::1$|::ffff:127\.|f[cd][0-9a-f]{2}:|fe80:)/i;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * MCP's guard against DNS rebinding, where a web page's own host name is made to resolve to a server on the visitor's
 * machine or network (`wrangler dev`):
 * - a client on a loopback or private address must name the server by an IP address or `localhost` in Host: a rebound
 *   name is always some site's DNS name. (On Cloudflare's edge a client's address is never one of these, and a Host is
 *   always one of the Worker's own routes.)
 * - a browser's request (it sends Origin) is taken only from the Worker's own origin or one CORS_ORIGINS lists.
 * Either refusal is a 403.
 */
export function checkOrigin(request: Request, env: Env): void {
  const url = new URL(request.url);
  const client = request.headers.get("cf-connecting-ip") ?? "";
  if (NEARBY_CLIENT.test(client) && !localName(url.hostname)) throw forbidden(`Host ${url.hostname}`);
  const origin = request.headers.get("origin");
  if (origin === null || origin === url.origin || settings(env).corsOrigins.has(origin)) return;
  throw forbidden(`Origin ${origin}`);
}

function localName(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || IPV4.test(hostname) || hostname.startsWith("[");
}

function forbidden(what: string): RpcError {
  return new RpcError(SERVER_ERROR, `Forbidden: ${what} may not use this MCP endpoint (DNS rebinding protection)`, 403);
}
