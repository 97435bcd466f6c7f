import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { callWorker } from "../support/callWorker";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const MiB = 1024 * 1024;
const v = { "tus-resumable": "1.0.0" };

/** Deterministic bytes: byte i is (i * 7 + seed) & 255. */
function bytes(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + seed) & 255;
  return out;
}

async function sha256(data: Uint8Array, name: "SHA-256" | "SHA-1" = "SHA-256"): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(name, data));
}
const b64 = (data: Uint8Array) => btoa(String.fromCharCode(...data));
const hex = (data: Uint8Array) => [...data].map((b) => b.toString(16).padStart(2, "0")).join("");

async function create(headers: Record<string, string>, body?: Uint8Array): Promise<Response> {
  return callWorker("/api/files/", { method: "POST", headers: { ...v, ...headers }, body });
}

function patch(url: string, offset: number, body: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return callWorker(url, { method: "PATCH", headers: { ...v, "content-type": "application/offset+octet-stream", "upload-offset": String(offset), ...headers }, body });
}

const head = (url: string) => callWorker(url, { method: "HEAD", headers: v });

describe("tus 1.0.0 at /api/files/", () => {
  it("says what it speaks on OPTIONS", async () => {
    const response = await callWorker("/api/files/", { method: "OPTIONS" });
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      "tus-resumable": "1.0.0",
      "tus-version": "1.0.0",
      "tus-extension": "creation,creation-with-upload,creation-defer-length,termination,expiration,checksum",
      "tus-max-size": String(10 * 1024 ** 3),
      "tus-checksum-algorithm": "sha1,sha256",
    });
  });

  it("takes 20 MiB in unaligned PATCHes: parts across requests, the tail kept between them, the object byte-identical", async () => {
    const data = bytes(20 * MiB + 123);
    const created = await create({ "upload-length": String(data.byteLength), "upload-metadata": `filename ${btoa("video.bin")},filetype ${btoa("video/mp4")}` });
    expect(created.status).toBe(201);
    const url = created.headers.get("location")!;
    expect(url).toMatch(/^\/api\/files\/[0-9a-f-]{36}$/);
    expect(created.headers.get("upload-expires")).toBeTruthy();
    // 3 MiB + 1, then 9 MiB, then the rest: no PATCH ends on a part boundary.
    const cuts = [0, 3 * MiB + 1, 12 * MiB + 1, data.byteLength];
    for (let i = 0; i < 3; i++) {
      const answer = await patch(url, cuts[i]!, data.slice(cuts[i], cuts[i + 1]));
      expect(answer.status).toBe(204);
      expect(answer.headers.get("upload-offset")).toBe(String(cuts[i + 1]));
    }
    const state = await head(url);
    expect(state.headers.get("cache-control")).toBe("no-store");
    expect(state.headers.get("upload-offset")).toBe(String(data.byteLength));
    const digest = await sha256(data);
    expect(state.headers.get("repr-digest")).toBe(`sha-256=:${b64(digest)}:`);
    const key = url.split("/").at(-1)!;
    const download = await callWorker(`/api/upload/${key}`);
    expect(download.headers.get("content-digest")).toBe(`sha-256=:${b64(digest)}:`);
    expect(download.headers.get("content-type")).toBe("video/mp4");
    expect(hex(await sha256(new Uint8Array(await download.arrayBuffer())))).toBe(hex(digest));
    expect(await env.UPLOADS.head(`tus/${key}/tail`)).toBeNull();
  });

  it("takes the first chunk in the POST (creation-with-upload), and a deferred length given later", async () => {
    const data = bytes(1000, 3);
    const created = await create({ "upload-defer-length": "1", "content-type": "application/offset+octet-stream" }, data.slice(0, 400));
    expect(created.status).toBe(201);
    expect(created.headers.get("upload-offset")).toBe("400");
    const url = created.headers.get("location")!;
    expect((await head(url)).headers.get("upload-defer-length")).toBe("1");
    expect((await patch(url, 400, data.slice(400), { "upload-length": "1000" })).status).toBe(204);
    expect((await head(url)).headers.get("repr-digest")).toBe(`sha-256=:${b64(await sha256(data))}:`);
  });

  it("refuses a PATCH at the wrong offset with 409 and the offset it has", async () => {
    const url = (await create({ "upload-length": "10" })).headers.get("location")!;
    const answer = await patch(url, 5, bytes(5));
    expect(answer.status).toBe(409);
    expect(answer.headers.get("upload-offset")).toBe("0");
  });

  it.each(["sha1", "sha256"] as const)("checks Upload-Checksum (%s): 460 on a mismatch and the offset does not move", async (name) => {
    const data = bytes(9 * MiB, 5);
    const url = (await create({ "upload-length": String(data.byteLength) })).headers.get("location")!;
    const algorithm = name === "sha1" ? "SHA-1" : "SHA-256";
    const wrong = await patch(url, 0, data.slice(0, 8 * MiB + 10), { "upload-checksum": `${name} ${b64(await sha256(bytes(3), algorithm))}` });
    expect(wrong.status).toBe(460);
    expect((await head(url)).headers.get("upload-offset")).toBe("0");
    const right = await patch(url, 0, data, { "upload-checksum": `${name} ${b64(await sha256(data, algorithm))}` });
    expect(right.status).toBe(204);
    expect((await head(url)).headers.get("repr-digest")).toBe(`sha-256=:${b64(await sha256(data))}:`);
  });

  it("terminates with DELETE: nothing of it is left in R2, and it is gone", async () => {
    const url = (await create({ "upload-length": String(12 * MiB) })).headers.get("location")!;
    expect((await patch(url, 0, bytes(9 * MiB))).status).toBe(204);
    const key = url.split("/").at(-1)!;
    expect(await env.UPLOADS.head(`tus/${key}/tail`)).not.toBeNull();
    expect((await callWorker(url, { method: "DELETE", headers: v })).status).toBe(204);
    expect(await env.UPLOADS.head(`tus/${key}/tail`)).toBeNull();
    expect((await env.UPLOADS.list({ prefix: `files/${key}` })).objects).toHaveLength(0);
    expect((await head(url)).status).toBe(404);
  });

  it("deletes an expired upload when its alarm runs", async () => {
    const url = (await create({ "upload-length": "100" })).headers.get("location")!;
    expect((await patch(url, 0, bytes(40))).status).toBe(204);
    const key = url.split("/").at(-1)!;
    expect(await runDurableObjectAlarm(env.TUS_UPLOADS.getByName(key))).toBe(true);
    expect(await env.UPLOADS.head(`tus/${key}/tail`)).toBeNull();
    expect((await head(url)).status).toBe(404);
  });

  it.each([
    ["no Tus-Resumable", 412, () => callWorker("/api/files/", { method: "POST", headers: { "upload-length": "1" } })],
    ["a length over TUS_MAX_BYTES", 413, () => create({ "upload-length": String(11 * 1024 ** 3) })],
    ["neither Upload-Length nor Upload-Defer-Length", 400, () => create({})],
    ["bad Upload-Metadata", 400, () => create({ "upload-length": "1", "upload-metadata": "filename not*base64" })],
    ["a PATCH of another content type", 415, async () => patch((await create({ "upload-length": "1" })).headers.get("location")!, 0, bytes(1), { "content-type": "text/plain" })],
    ["a PATCH past Upload-Length", 413, async () => patch((await create({ "upload-length": "3" })).headers.get("location")!, 0, bytes(4))],
    ["an unknown upload", 404, () => head("/api/files/00000000-0000-4000-8000-000000000000")],
    ["an unknown checksum algorithm", 400, async () => patch((await create({ "upload-length": "1" })).headers.get("location")!, 0, bytes(1), { "upload-checksum": "md5 AAAA" })],
  ] as const)("answers %s with %i, Tus-Resumable set", async (_, status, send) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.headers.get("tus-resumable")).toBe("1.0.0");
  });
});
