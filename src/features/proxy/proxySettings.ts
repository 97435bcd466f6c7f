import { badConfig, integerVar, settingsGroup } from "../../settings";

/** Where the proxy may go: each name's origin, or "self" for this Worker. */
export interface ProxyConfig {
  origins: Map<string, URL | "self">;
  timeoutMs: number;
  /** Send the client's address on as X-Forwarded-For; by default the origin never sees it. */
  forwardClientIp: boolean;
}

/** PROXY_ORIGINS (a JSON object of name → http(s) origin or "self"), PROXY_TIMEOUT_MS and PROXY_FORWARD_CLIENT_IP. */
export const proxySettings = settingsGroup((env): ProxyConfig => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.PROXY_ORIGINS || '{"self":"self"}');
  } catch {
    throw badConfig("PROXY_ORIGINS must be a JSON object of name → origin");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badConfig("PROXY_ORIGINS must be a JSON object of name → origin");
  }
  const origins = new Map<string, URL | "self">();
  for (const [name, value] of Object.entries(parsed)) {
    if (value === "self") {
      origins.set(name, "self");
      continue;
    }
    const url = typeof value === "string" && URL.canParse(value) ? new URL(value) : undefined;
    const isOrigin = url && (url.protocol === "http:" || url.protocol === "https:") && url.pathname === "/" &&
      !url.search && !url.hash && !url.username && !url.password;
    if (!isOrigin) throw badConfig(`PROXY_ORIGINS.${name} must be an http(s) origin such as https://example.com, or "self"`);
    origins.set(name, url);
  }
  const forward = env.PROXY_FORWARD_CLIENT_IP ?? "";
  if (!["", "true", "false"].includes(forward)) throw badConfig("PROXY_FORWARD_CLIENT_IP must be true or false");
  return { origins, timeoutMs: integerVar(env, "PROXY_TIMEOUT_MS", 10, 600_000, 30_000), forwardClientIp: forward === "true" };
});
