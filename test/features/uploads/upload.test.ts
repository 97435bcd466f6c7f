import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readJSONL } from "../../../src/client/readJSONL";
import { digestHeader, toHex } from "../../../src/storage/contentDigest";
import { callWorker, newClientIp } from "../../support/callWorker";
import { firstRefusal } from "../../support/firstRefusal";
import { readAll } from "../../support/chunked";
import { expectGuessesLimited } from "../../support/tokenGuesses";
import { uploadSettings } from "../../../src/features/uploads/uploadSettings";

/** `size` deterministic bytes. */
const bytesOf = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 8)) & 255);
const sha256 = async (bytes: Uint8Array) => toHex(await crypto.subtle.digest("SHA-256", bytes));

/** A body of unknown length (chunked), delivered in pieces of `piece` bytes; records whether it was ever read. */
function chunked(bytes: Uint8Array, piece = 65_536) {
  let at = 0;
  const state = { pulled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulled = true;
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(at, (at += piece)));
      },
    },
    { highWaterMark: 0 },
  );
  return { body, state };
}

const post = (body: BodyInit | null, headers: Record<string, string> = {}, vars: Partial<Env> = {}, path = "/api/upload") =>
  callWorker(path, { method: "POST", body, headers }, vars);

async function storedFiles(): Promise<string[]> {
  return (await env.UPLOADS.list({ prefix: "files/" })).objects.map((o) => o.key);
}

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe("POST /api/upload", () => {
  it.each([0, 1, 65_535, 65_536, 65_537, 9 * 1024 * 1024])("counts, hashes and stores %i bytes", async (size) => {
    const bytes = bytesOf(size);
    const response = await post(bytes);
    expect(response.status).toBe(201);
    const result = (await response.json()) as { key: string; bytes: number; sha256: string; stored: boolean };
    expect(result).toMatchObject({ bytes: size, sha256: await sha256(bytes), stored: true });
    const stored = await env.UPLOADS.get(`files/${result.key}`);
    expect(await sha256(new Uint8Array(await stored!.arrayBuffer()))).toBe(result.sha256);
  });

  it("stores a chunked body of several parts through multipart, byte for byte", async () => {
    const bytes = bytesOf(17 * 1024 * 1024 + 5); // three 8 MiB parts, the last short
    const response = await post(chunked(bytes, 1 << 20).body);
    const result = (await response.json()) as { key: string; sha256: string };
    expect(result.sha256).toBe(await sha256(bytes));
    const stored = await env.UPLOADS.get(`files/${result.key}`);
    expect(await sha256(new Uint8Array(await stored!.arrayBuffer()))).toBe(result.sha256);
  });

  it("refuses a declared Content-Length over the limit with 413, before reading a byte", async () => {
    const { body, state } = chunked(bytesOf(2000));
    const response = await post(body, { "content-length": "2000" }, { UPLOAD_MAX_BYTES: "1000" });
    expect(response.status).toBe(413);
    expect(state.pulled).toBe(false);
  });

  it("refuses a chunked body with 413 as soon as it passes the limit, and keeps nothing", async () => {
    const before = await storedFiles();
    const response = await post(chunked(bytesOf(3000), 100).body, {}, { UPLOAD_MAX_BYTES: "1000" });
    expect(response.status).toBe(413);
    expect(await storedFiles()).toEqual(before);
  });

  it.each([
    ["a streamed put (declared length)", { "content-length": String(12 * 1024 * 1024) }],
    ["a multipart upload (chunked), a part already uploaded", {}],
  ])("keeps nothing when the body fails mid-way during %s", async (_kind, headers) => {
    const before = await storedFiles();
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (sent >= 9 * 1024 * 1024) return controller.error(new Error("connection lost"));
          controller.enqueue(bytesOf(1 << 20));
          sent += 1 << 20;
        },
      },
      { highWaterMark: 0 },
    );
    const response = await post(failing, headers);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(sent).toBe(9 * 1024 * 1024);
    expect(await storedFiles()).toEqual(before);
  });

  it("accepts a body of exactly the limit", async () => {
    const response = await post(bytesOf(1000), {}, { UPLOAD_MAX_BYTES: "1000" });
    expect(response.status).toBe(201);
  });

  it("refuses a body that does not match its Content-Digest with 400, and keeps nothing", async () => {
    const before = await storedFiles();
    const wrong = digestHeader(await sha256(bytesOf(10)));
    for (const body of [bytesOf(2000), chunked(bytesOf(2000)).body]) {
      const response = await post(body, { "content-digest": wrong });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "digest_mismatch" } });
    }
    expect(await storedFiles()).toEqual(before);
  });

  it("accepts a body that matches its Content-Digest", async () => {
    const bytes = bytesOf(2000);
    const response = await post(bytes, { "content-digest": `md5=:x:, ${digestHeader(await sha256(bytes))}` });
    expect(response.status).toBe(201);
  });

  it("refuses a malformed sha-256 Content-Digest with 400", async () => {
    const response = await post(bytesOf(10), { "content-digest": "sha-256=:bm90IGEgZGlnZXN0:" });
    expect(response.status).toBe(400);
  });

  it.each([
    ["JSON", {}],
    ["JSON Lines", { accept: "application/jsonl" }],
  ])("refuses a Content-Digest that is not base64 with 400 bad_digest in %s mode, reading nothing", async (_mode, headers) => {
    const before = await storedFiles();
    for (const digest of ["sha-256=:A:", "sha-256=:@@@@:", `sha-256=:${"A".repeat(44)}:`]) {
      const { body, state } = chunked(bytesOf(2000));
      const response = await post(body, { ...headers, "content-digest": digest });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "bad_digest" } });
      expect(state.pulled).toBe(false);
    }
    expect(await storedFiles()).toEqual(before);
  });

  it("cuts a body that sends nothing for UPLOAD_IDLE_TIMEOUT_MS with 408, and keeps nothing", async () => {
    const before = await storedFiles();
    let sent = 0;
    const stalls = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (sent++ < 3) controller.enqueue(bytesOf(1000));
          // then silence: the pull never resolves, as a client that stopped sending
          else return new Promise(() => {});
        },
      },
      { highWaterMark: 0 },
    );
    const started = Date.now();
    const response = await post(stalls, {}, { UPLOAD_IDLE_TIMEOUT_MS: "200" });
    expect(response.status).toBe(408);
    expect(await response.json()).toMatchObject({ error: { code: "body_idle" } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(await storedFiles()).toEqual(before);
  });

  it("answers 503 with Retry-After, before reading, when the uploads under way hold the memory budget", async () => {
    // One upload of unknown length reserves a part (8 MiB) and a read; a budget of 9 MiB fits one, not two.
    const vars = { UPLOAD_MEMORY_BYTES: String(9 * 1024 * 1024) };
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = post(
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          controller.enqueue(bytesOf(10));
          await held;
          controller.close();
        },
      }),
      {},
      vars,
    );
    const { body, state } = chunked(bytesOf(2000));
    const refused = await post(body, {}, vars);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toMatchObject({ error: { code: "busy" } });
    expect(state.pulled).toBe(false);
    // A body of known length needs only a read's worth, and still fits.
    expect((await post(bytesOf(2000), { "content-length": "2000" }, vars)).status).toBe(201);
    release();
    expect((await first).status).toBe(201);
    // Once the first has ended, its reservation is free again.
    expect((await post(chunked(bytesOf(2000)).body, {}, vars)).status).toBe(201);
  });

  it("reserves the whole read buffer even for a 1-byte body: stalled tiny uploads cannot pass the budget", async () => {
    // 1 MiB holds four 256 KiB read buffers; the fifth upload is refused before it is read.
    const vars = { UPLOAD_MEMORY_BYTES: String(1024 * 1024) };
    const held = Promise.withResolvers<void>();
    const stalled = () =>
      post(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            await held.promise;
            controller.enqueue(bytesOf(1));
            controller.close();
          },
        }),
        { "content-length": "1" },
        vars,
      );
    const admitted = [stalled(), stalled(), stalled(), stalled()];
    const refused = await post(bytesOf(1), { "content-length": "1" }, vars);
    expect(refused.status).toBe(503);
    held.resolve();
    expect((await Promise.all(admitted)).map((r) => r.status)).toEqual([201, 201, 201, 201]);
  });

  it("counts every upload against the client's rate limit: past 60 in a minute, 429", async () => {
    const client = { "cf-connecting-ip": newClientIp() };
    const { refusedAt, passed } = await firstRefusal(() => post(bytesOf(1), client));
    expect(passed.every((s) => s === 201)).toBe(true);
    expect(refusedAt).toBeGreaterThanOrEqual(60);
    expect(refusedAt).toBeLessThanOrEqual(120);
  });

  it("is closed with ALLOW_ANONYMOUS false and no API_TOKEN: 401 naming both settings, before a byte is read", async () => {
    const { body, state } = chunked(bytesOf(2000));
    const refused = await post(body, {}, { ALLOW_ANONYMOUS: "false" });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: "token_not_configured", message: expect.stringContaining("ALLOW_ANONYMOUS") } });
    expect(state.pulled).toBe(false);
    const key = (await ((await post(bytesOf(3))).json() as Promise<{ key: string }>)).key;
    expect((await callWorker(`/api/upload/${key}`, {}, { ALLOW_ANONYMOUS: "false" })).status).toBe(401);
  });

  it("streams progress as JSON Lines when asked, then the result", async () => {
    const bytes = bytesOf(3 * 1024 * 1024 + 10);
    const response = await post(chunked(bytes).body, { accept: "application/jsonl" });
    const { values } = await readAll(readJSONL<{ received?: number; sha256?: string }>(response));
    const progress = values.filter((v) => v.received !== undefined).map((v) => v.received!);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(values.at(-1)).toMatchObject({ bytes: bytes.length, sha256: await sha256(bytes) });
  });

  it("needs the bearer token when API_TOKEN is set, refusing before a byte of the body is read", async () => {
    const { body, state } = chunked(bytesOf(2000));
    const refused = await post(body, {}, { API_TOKEN: "s3cret" });
    expect(refused.status).toBe(401);
    expect(state.pulled).toBe(false);
    expect((await post(bytesOf(10), { authorization: "Bearer s3cret" }, { API_TOKEN: "s3cret" })).status).toBe(201);
  });

  it("answers the wrong method with 405 and Allow", async () => {
    const response = await callWorker("/api/upload");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST, PUT");
  });
});

describe("GET /api/upload/:key", () => {
  async function uploaded(size: number) {
    const bytes = bytesOf(size);
    const { key } = (await (await post(bytes)).json()) as { key: string };
    return { key, bytes };
  }

  it("streams the upload back with Content-Length, ETag and Content-Digest", async () => {
    const { key, bytes } = await uploaded(100_000);
    const response = await callWorker(`/api/upload/${key}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("100000");
    expect(response.headers.get("etag")).toBeTruthy();
    expect(response.headers.get("content-digest")).toBe(digestHeader(await sha256(bytes)));
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  });

  it("answers a Range with 206, the part, and the whole body's Repr-Digest", async () => {
    const { key, bytes } = await uploaded(100_000);
    const response = await callWorker(`/api/upload/${key}`, { headers: { range: "bytes=10-19" } });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe("bytes 10-19/100000");
    expect(response.headers.get("repr-digest")).toBe(digestHeader(await sha256(bytes)));
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes.slice(10, 20));
  });

  it("answers HEAD with the length and digest and no body", async () => {
    const { key } = await uploaded(1234);
    const response = await callWorker(`/api/upload/${key}`, { method: "HEAD" });
    expect(response.headers.get("content-length")).toBe("1234");
    expect(await response.text()).toBe("");
  });

  it("answers a matching If-None-Match with 304", async () => {
    const { key } = await uploaded(10);
    const etag = (await callWorker(`/api/upload/${key}`)).headers.get("etag")!;
    expect((await callWorker(`/api/upload/${key}`, { headers: { "if-none-match": etag } })).status).toBe(304);
  });

  it.each([
    ["bytes=2-", 206, "bytes 2-9/10", [2, 10]],
    ["bytes=2-100", 206, "bytes 2-9/10", [2, 10]],
    ["bytes=-3", 206, "bytes 7-9/10", [7, 10]],
    ["bytes=-30", 206, "bytes 0-9/10", [0, 10]],
    ["bytes=50-", 416, "bytes */10", undefined],
    ["bytes=10-", 416, "bytes */10", undefined],
    ["bytes=-0", 416, "bytes */10", undefined],
    ["bytes=5-2", 200, null, [0, 10]],
    ["bytes=0-1,4-5", 200, null, [0, 10]],
    ["bytes=x-y", 200, null, [0, 10]],
    ["items=0-1", 200, null, [0, 10]],
  ] as const)("answers Range %s on 10 bytes with %i", async (range, status, contentRange, slice) => {
    const { key, bytes } = await uploaded(10);
    const response = await callWorker(`/api/upload/${key}`, { headers: { range } });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-range")).toBe(contentRange);
    const body = new Uint8Array(await response.arrayBuffer());
    if (slice) expect(body).toEqual(bytes.slice(...slice));
    else expect(await new Response(body).json()).toMatchObject({ error: { code: "range_not_satisfiable" } });
  });

  it("answers If-Modified-Since with 304 when not modified, and with the body when it was", async () => {
    const { key } = await uploaded(10);
    const lastModified = (await callWorker(`/api/upload/${key}`)).headers.get("last-modified")!;
    expect(lastModified).toMatch(/GMT$/);
    expect((await callWorker(`/api/upload/${key}`, { headers: { "if-modified-since": lastModified } })).status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await callWorker(`/api/upload/${key}`, { headers: { "if-modified-since": earlier } })).status).toBe(200);
    // If-None-Match wins over If-Modified-Since.
    const stale = { "if-none-match": '"stale"', "if-modified-since": lastModified };
    expect((await callWorker(`/api/upload/${key}`, { headers: stale })).status).toBe(200);
  });

  it("answers a failed If-Match with 412, and honours a Range only while If-Range names this version", async () => {
    const { key, bytes } = await uploaded(10);
    const etag = (await callWorker(`/api/upload/${key}`)).headers.get("etag")!;
    expect((await callWorker(`/api/upload/${key}`, { headers: { "if-match": '"other"' } })).status).toBe(412);
    const current = await callWorker(`/api/upload/${key}`, { headers: { range: "bytes=0-1", "if-range": etag } });
    expect(current.status).toBe(206);
    const stale = await callWorker(`/api/upload/${key}`, { headers: { range: "bytes=0-1", "if-range": '"stale"' } });
    expect(stale.status).toBe(200);
    expect(new Uint8Array(await stale.arrayBuffer())).toEqual(bytes);
  });

  it("serves every upload as an attachment in a sandbox, with its name RFC 6266-encoded", async () => {
    const response = await post("<script>alert(1)</script>", { "content-type": "text/html" }, {}, `/api/upload?name=${encodeURIComponent('résumé "v2".html')}`);
    const { key } = (await response.json()) as { key: string };
    for (const method of ["GET", "HEAD"]) {
      const download = await callWorker(`/api/upload/${key}`, { method });
      expect(download.headers.get("content-type")).toBe("application/octet-stream");
      expect(download.headers.get("content-disposition")).toBe(
        `attachment; filename="r_sum_ _v2_.html"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.html`,
      );
      expect(download.headers.get("content-security-policy")).toBe("sandbox");
      expect(download.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it.each([
    ["image/png", "image/png"],
    ["text/plain; charset=utf-8", "text/plain; charset=utf-8"],
    ["image/svg+xml", "application/octet-stream"],
    ["application/xhtml+xml", "application/octet-stream"],
    ["text/javascript", "application/octet-stream"],
  ])("serves an upload sent as %s as %s", async (sent, served) => {
    const { key } = (await (await post("x", { "content-type": sent })).json()) as { key: string };
    expect((await callWorker(`/api/upload/${key}`)).headers.get("content-type")).toBe(served);
  });

  it("refuses a content type that is a comma list (browsers render the last type), and serves a stored one as bytes", async () => {
    const refused = await post("<script>1</script>", { "content-type": "text/plain;,text/html" });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: "bad_content_type" } });
    // An object stored some other way with such a type is still served as opaque bytes.
    const { key } = (await (await post("x")).json()) as { key: string };
    await env.UPLOADS.put(`files/${key}`, "<script>1</script>", { httpMetadata: { contentType: "text/plain;,text/html" } });
    expect((await callWorker(`/api/upload/${key}`)).headers.get("content-type")).toBe("application/octet-stream");
  });

  it("stores the canonical type: lower-cased, with its charset and nothing else", async () => {
    const { key } = (await (await post("x", { "content-type": 'Text/Plain; foo=bar; charset="UTF-8"' })).json()) as { key: string };
    expect((await callWorker(`/api/upload/${key}`)).headers.get("content-type")).toBe("text/plain; charset=utf-8");
  });

  it("answers an unknown key with 404", async () => {
    expect((await callWorker(`/api/upload/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await callWorker("/api/upload/..%2Fsecret")).status).toBe(404);
  });

  it("stops serving an upload older than UPLOAD_KEEP_DAYS: 404, and its objects deleted", async () => {
    const { key } = await uploaded(10);
    expect((await callWorker(`/api/upload/${key}`, {}, { UPLOAD_KEEP_DAYS: "2" })).status).toBe(200);
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now + 3 * 86_400_000);
    expect((await callWorker(`/api/upload/${key}`, {}, { UPLOAD_KEEP_DAYS: "2" })).status).toBe(404);
    vi.mocked(Date.now).mockRestore();
    await vi.waitFor(async () => expect(await env.UPLOADS.head(`meta/${key}`)).toBeNull());
    expect(await env.UPLOADS.head(`files/${key}`)).toBeNull();
  });
});

describe("DELETE /api/upload/:key", () => {
  it("deletes the upload and its digest: 204, then 404 for the download and for a second DELETE", async () => {
    const { key } = (await (await post(bytesOf(100))).json()) as { key: string };
    expect((await callWorker(`/api/upload/${key}`, { method: "DELETE" })).status).toBe(204);
    expect((await callWorker(`/api/upload/${key}`)).status).toBe(404);
    expect(await env.UPLOADS.head(`files/${key}`)).toBeNull();
    expect(await env.UPLOADS.head(`meta/${key}`)).toBeNull();
    expect((await callWorker(`/api/upload/${key}`, { method: "DELETE" })).status).toBe(404);
  });

  it("needs the bearer token when API_TOKEN is set", async () => {
    const vars = { API_TOKEN: "s3cret" };
    const { key } = (await (await post(bytesOf(5), { authorization: "Bearer s3cret" }, vars)).json()) as { key: string };
    expect((await callWorker(`/api/upload/${key}`, { method: "DELETE" }, vars)).status).toBe(401);
    expect((await callWorker(`/api/upload/${key}`, { method: "DELETE", headers: { authorization: "Bearer s3cret" } }, vars)).status).toBe(204);
  });
});

describe("/api/upload and API_TOKEN", () => {
  it.each([
    ["/api/upload", { method: "POST", body: "x" }],
    ["/api/upload/00000000-0000-0000-0000-000000000000", {}],
  ])("counts wrong token guesses on %s: past 60 in a minute, a 429, not another try", async (path, init) => {
    await expectGuessesLimited(path, init, {});
  });
});

describe("uploadSettings", () => {
  it("names UPLOAD_MAX_BYTES when it is not a number", () => {
    expect(() => uploadSettings({ ...env, UPLOAD_MAX_BYTES: "lots" })).toThrow(
      expect.objectContaining({ status: 500, code: "bad_config", message: expect.stringContaining("UPLOAD_MAX_BYTES") }),
    );
  });
});
