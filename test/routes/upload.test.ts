import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readJSONL } from "../../src/client/readJSONL";
import { digestHeader, toHex } from "../../src/upload/contentDigest";
import { callWorker } from "../support/callWorker";
import { readAll } from "../support/chunked";

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
    expect(stored?.size).toBe(size);
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

  it("answers an unknown key with 404", async () => {
    expect((await callWorker(`/api/upload/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await callWorker("/api/upload/..%2Fsecret")).status).toBe(404);
  });
});
