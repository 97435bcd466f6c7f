import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { firstRefusal } from "../../support/firstRefusal";
import { callWorker, newClientIp } from "../../support/callWorker";
import { readLines } from "../../../src/streams/readLines";
import { proxySettings } from "../../../src/features/proxy/proxySettings";

const vars = () => ({
  PROXY_ORIGINS: JSON.stringify({ self: "self", origin: inject("origin"), closed: "http://127.0.0.1:1" }),
  PROXY_TIMEOUT_MS: "300",
});
const get = (path: string, init: RequestInit = {}) => callWorker(path, init, vars());

/** The block /bytes serves, made the same way as test/node/originServer.ts. */
function expectedBytes(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => ((i % 65_536) * 2654435761) >>> 24);
}

async function sha256(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

beforeEach(() => void vi.spyOn(console, "log").mockImplementation(() => {}));
afterEach(() => vi.restoreAllMocks());

describe("/proxy", () => {
  it("passes a large body through byte for byte, with its Content-Length and ETag", async () => {
    const size = 5 * 1024 * 1024 + 3;
    const response = await get(`/proxy/origin/bytes/${size}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(size));
    expect(response.headers.get("etag")).toBe(`"bytes-${size}"`);
    expect(await sha256(await response.arrayBuffer())).toBe(await sha256(expectedBytes(size)));
  });

  it("streams the self entry's body as the Worker makes it: the first record long before the last", async () => {
    const response = await get("/proxy/self/test/count?n=4&pace=100");
    const lines = readLines(response.body!);
    const first = (await lines.next()).value;
    const firstReadAt = Date.now();
    for await (const _line of lines);
    expect(first).toBe('{"i":1}');
    // Three more records, 100 ms apart, came after the first was read.
    expect(Date.now() - firstReadAt).toBeGreaterThanOrEqual(250);
  });

  it("answers HEAD with the headers and no body", async () => {
    const response = await get("/proxy/origin/bytes/1000", { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("1000");
    expect(await response.text()).toBe("");
  });

  it.each([
    ["bytes=10-19", undefined, 206, "bytes 10-19/1000", 10],
    ["bytes=990-", undefined, 206, "bytes 990-999/1000", 10],
    ["bytes=2000-", undefined, 416, "bytes */1000", 0],
    ["bytes=10-19", '"bytes-1000"', 206, "bytes 10-19/1000", 10],
    ["bytes=10-19", '"stale"', 200, null, 1000],
  ])("passes Range %s with If-Range %s through: %i", async (range, ifRange, status, contentRange, length) => {
    const headers: Record<string, string> = { range };
    if (ifRange) headers["if-range"] = ifRange;
    const response = await get("/proxy/origin/bytes/1000", { headers });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-range")).toBe(contentRange);
    expect((await response.arrayBuffer()).byteLength).toBe(length);
  });

  it("passes a 304 through for a matching If-None-Match", async () => {
    const response = await get("/proxy/origin/bytes/1000", { headers: { "if-none-match": '"bytes-1000"' } });
    expect(response.status).toBe(304);
  });

  it("passes a redirect back untouched instead of following it", async () => {
    const response = await get("/proxy/origin/redirect");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("http://127.0.0.1:1/evil");
  });

  it("drops hop-by-hop headers both ways, the client's Cookie and Authorization, and the upstream's Set-Cookie", async () => {
    const response = await get("/proxy/origin/headers", {
      headers: {
        cookie: "session=client",
        authorization: "Bearer client-secret",
        connection: "x-client-hop",
        "x-client-hop": "1",
        "proxy-authorization": "Basic x",
        te: "trailers",
        "x-client-kept": "yes",
      },
    });
    const seen = (await response.json()) as Record<string, string>;
    for (const name of ["cookie", "authorization", "x-client-hop", "proxy-authorization", "te"]) expect(seen).not.toHaveProperty(name);
    expect(seen["x-client-kept"]).toBe("yes");
    for (const name of ["set-cookie", "x-hop", "keep-alive", "proxy-authenticate"]) expect(response.headers.has(name)).toBe(false);
    expect(response.headers.get("x-kept")).toBe("yes");
  });

  it("sends no header that identifies or spoofs the client, and names itself in Via", async () => {
    const identifying = {
      "x-forwarded-for": "6.6.6.6",
      "x-forwarded-host": "spoofed.example",
      "x-forwarded-proto": "https",
      "x-real-ip": "6.6.6.6",
      "true-client-ip": "6.6.6.6",
      forwarded: "for=6.6.6.6",
      "cf-connecting-ip": "198.51.100.7",
      "cf-ipcountry": "XX",
      "cdn-loop": "cloudflare",
    };
    const seen = (await (await get("/proxy/origin/headers", { headers: identifying })).json()) as Record<string, string>;
    for (const name of Object.keys(identifying)) expect(seen).not.toHaveProperty(name);
    expect(seen.via).toBe("1.1 edge-streams");
  });

  it("sends the client's address as X-Forwarded-For only when PROXY_FORWARD_CLIENT_IP is true", async () => {
    const headers = { "cf-connecting-ip": "198.51.100.7", "x-forwarded-for": "6.6.6.6" };
    const response = await callWorker("/proxy/origin/headers", { headers }, { ...vars(), PROXY_FORWARD_CLIENT_IP: "true" });
    const seen = (await response.json()) as Record<string, string>;
    expect(seen["x-forwarded-for"]).toBe("198.51.100.7");
    expect(seen).not.toHaveProperty("cf-connecting-ip");
  });

  it("drops the upstream's CORS, HSTS, Clear-Site-Data and Alt-Svc, and sandboxes what it passes back", async () => {
    const response = await get("/proxy/origin/headers");
    for (const name of ["access-control-allow-origin", "access-control-allow-credentials", "strict-transport-security", "clear-site-data", "alt-svc"]) {
      expect(response.headers.has(name)).toBe(false);
    }
    expect(response.headers.get("content-security-policy")).toBe("sandbox");
    await response.body?.cancel();
  });

  it.each(["/proxy/origin/redirect-relative", "/proxy/origin/redirect-same"])("points a Location on the upstream back under the proxy (%s)", async (path) => {
    const response = await get(path);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(path === "/proxy/origin/redirect-relative" ? "/proxy/origin/bytes/10?x=1" : "/proxy/origin/bytes/10");
  });

  it("refuses a proxy request that came through the proxy with 508, so /proxy/self/proxy/… cannot recurse", async () => {
    const response = await get("/proxy/self/proxy/self/proxy/self/test/count?n=1");
    expect(response.status).toBe(508);
    expect(await response.json()).toMatchObject({ error: { code: "proxy_loop" } });
  });

  it("marks a streamed body (no Content-Length) content-encoding: identity, and leaves a file's alone", async () => {
    const streamed = await get("/proxy/origin/chunks?count=2&interval=1");
    expect(streamed.headers.get("content-encoding")).toBe("identity");
    await streamed.text();
    const file = await get("/proxy/origin/bytes/10");
    expect(file.headers.get("content-encoding")).toBeNull();
    await file.arrayBuffer();
  });

  it("needs API_TOKEN when one is set, and counts every request against the rate limit", async () => {
    // The 300 ms header timeout the other tests use is for /hang; a loaded run must not turn a slow 200 into a 504 here.
    const guarded = { ...vars(), PROXY_TIMEOUT_MS: "10000", API_TOKEN: "s3cret" };
    expect((await callWorker("/proxy/origin/bytes/10", {}, guarded)).status).toBe(401);
    const ok = { authorization: "Bearer s3cret", "cf-connecting-ip": newClientIp() };
    const { refusedAt, passed } = await firstRefusal(() => callWorker("/proxy/origin/bytes/10", { headers: ok }, guarded));
    expect(passed.every((s) => s === 200)).toBe(true);
    expect(refusedAt).toBeGreaterThanOrEqual(60);
    expect(refusedAt).toBeLessThanOrEqual(120);
  });

  it.each([
    "/proxy/nope/x",
    "/proxy/localhost/x",
    "/proxy/127.1/x",
    "/proxy/[::1]/x",
    "/proxy/0x7f000001/x",
    "/proxy/169.254.169.254/latest/meta-data",
    "/proxy/user@origin/x",
    "/proxy/file:/etc/passwd",
    "/proxy/origin@127.0.0.1:1/x",
  ])("refuses %s with 404 and fetches nothing", async (path) => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const response = await get(path);
    expect(response.status).toBe(404);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("keeps a path that looks like another host on the named origin", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    await (await get("/proxy/origin//127.0.0.1:1/x")).body?.cancel();
    const [target] = fetchSpy.mock.calls[0]!;
    expect(new URL(String(target)).origin).toBe(inject("origin"));
  });

  it("answers 502 when the upstream cannot be reached", async () => {
    const response = await get("/proxy/closed/x");
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: "upstream_unreachable" } });
  });

  it("answers 504 when the upstream sends no headers in time", async () => {
    const response = await get("/proxy/origin/hang");
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { code: "upstream_timeout" } });
  });

  it("refuses a PROXY_ORIGINS that is not a JSON object of origins, naming it", async () => {
    for (const bad of ["{", "[]", '{"x":"ftp://host"}', '{"x":"https://host/path"}', '{"x":"https://u:p@host"}']) {
      const response = await callWorker("/proxy/x/y", {}, { PROXY_ORIGINS: bad });
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain("PROXY_ORIGINS");
    }
  });
});

describe("proxySettings", () => {
  it("names PROXY_TIMEOUT_MS when it is not a number", () => {
    expect(() => proxySettings({ ...env, PROXY_TIMEOUT_MS: "soon" })).toThrow(
      expect.objectContaining({ code: "bad_config", message: expect.stringContaining("PROXY_TIMEOUT_MS") }),
    );
  });

  it("fails only the proxy when PROXY_ORIGINS is bad: the Worker's other routes keep working", async () => {
    const vars = { PROXY_ORIGINS: "{not json" };
    const proxied = await callWorker("/proxy/self/test/count", {}, vars);
    expect(proxied.status).toBe(500);
    expect(await proxied.json()).toMatchObject({ error: { code: "bad_config", message: expect.stringContaining("PROXY_ORIGINS") } });
    expect((await callWorker("/test/count?n=1", {}, vars)).status).toBe(200);
  });
});
