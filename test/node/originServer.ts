import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the origin saw of one request. */
export interface OriginRequest {
  path: string;
  /** Epoch ms when the client closed the connection before the response was complete; null while it has not. */
  abortedAt: number | null;
}

/** The bytes /bytes/<size> serves: a fixed pseudo-random 64 KiB block, repeated, so any size is cheap to make. */
export const BLOCK = Buffer.from(Array.from({ length: 65_536 }, (_, i) => (i * 2654435761) >>> 24));

/** The first `size` bytes of the repeated block. */
export function bytesOf(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let at = 0; at < size; at += BLOCK.length) BLOCK.copy(out, at, 0, Math.min(BLOCK.length, size - at));
  return out;
}

/** The SHA-256 of `size` bytes of /bytes/<size>, made without holding them. */
export function sha256Of(size: number): string {
  const hash = createHash("sha256");
  for (let at = 0; at < size; at += BLOCK.length) hash.update(BLOCK.subarray(0, Math.min(BLOCK.length, size - at)));
  return hash.digest("hex");
}

/**
 * An origin for the proxy to reach on 127.0.0.1:
 * - GET|HEAD /bytes/<size>: the bytes, with Content-Length, ETag, Range/If-Range (206, 416) and If-None-Match (304);
 * - /headers: the request's headers as JSON, answered with hop-by-hop, origin-scoped and CORS headers the proxy must drop;
 * - /redirect: a 302 towards 127.0.0.1:1, which the proxy must pass back, not follow; /redirect-relative and
 *   /redirect-same: 302s to /bytes/10 on this origin, as a relative and an absolute Location;
 * - /chunks?count=&interval=: `chunk N/count <ISO time>` lines of text/plain, chunked, `interval` ms apart, as /api/chunks;
 * - /die: promises 100,000 bytes, sends 1,000 and drops the connection;
 * - /hang: never answers.
 */
export async function startOrigin(): Promise<{ url: string; requests: OriginRequest[]; close(): Promise<void> }> {
  const requests: OriginRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://origin");
    const seen: OriginRequest = { path: url.pathname, abortedAt: null };
    requests.push(seen);
    res.on("close", () => {
      if (!res.writableFinished) seen.abortedAt = Date.now();
    });
    const bytes = /^\/bytes\/(\d+)$/.exec(url.pathname);
    if (bytes) {
      const size = Number(bytes[1]);
      const etag = `"bytes-${size}"`;
      res.setHeader("etag", etag);
      res.setHeader("accept-ranges", "bytes");
      if (req.headers["if-none-match"] === etag) return void res.writeHead(304).end();
      let start = 0;
      let end = size - 1;
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
      const ifRange = req.headers["if-range"];
      if (range && (!ifRange || ifRange === etag)) {
        start = range[1] ? Number(range[1]) : size - Number(range[2]);
        end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
        if (start >= size || start > end) {
          res.writeHead(416, { "content-range": `bytes */${size}` });
          return void res.end();
        }
        res.statusCode = 206;
        res.setHeader("content-range", `bytes ${start}-${end}/${size}`);
      }
      res.setHeader("content-length", end - start + 1);
      res.setHeader("content-type", "application/octet-stream");
      if (req.method === "HEAD") return void res.end();
      // Written block by block, so the whole body is never in memory here either.
      let at = start;
      const pump = () => {
        while (at <= end) {
          const offset = at % BLOCK.length;
          const piece = BLOCK.subarray(offset, Math.min(BLOCK.length, offset + end + 1 - at));
          at += piece.length;
          if (!res.write(piece)) return void res.once("drain", pump);
        }
        res.end();
      };
      return pump();
    }
    if (url.pathname === "/headers") {
      res.writeHead(200, {
        "content-type": "application/json",
        connection: "keep-alive, x-hop",
        "x-hop": "connection-scoped",
        "keep-alive": "timeout=5",
        "proxy-authenticate": "Basic",
        "set-cookie": "session=upstream",
        "access-control-allow-origin": "*",
        "access-control-allow-credentials": "true",
        "strict-transport-security": "max-age=63072000; includeSubDomains",
        "clear-site-data": '"*"',
        "alt-svc": 'h3=":443"',
        "x-kept": "yes",
      });
      return void res.end(JSON.stringify(req.headers));
    }
    if (url.pathname === "/redirect") return void res.writeHead(302, { location: "http://127.0.0.1:1/evil" }).end();
    if (url.pathname === "/redirect-relative") return void res.writeHead(302, { location: "/bytes/10?x=1" }).end();
    if (url.pathname === "/redirect-same") return void res.writeHead(302, { location: `http://${req.headers.host}/bytes/10` }).end();
    if (url.pathname === "/chunks") {
      const count = Number(url.searchParams.get("count") ?? 100);
      const interval = Number(url.searchParams.get("interval") ?? 100);
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`chunk ${++sent}/${count} ${new Date().toISOString()}\n`);
        if (sent === count) {
          clearInterval(timer);
          res.end();
        }
      }, interval);
      return void res.on("close", () => clearInterval(timer));
    }
    if (url.pathname === "/die") {
      res.writeHead(200, { "content-length": "100000" });
      return void res.write(Buffer.alloc(1000, 1), () => res.socket?.destroy());
    }
    if (url.pathname === "/hang") return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
