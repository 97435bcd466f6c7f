import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { callWorker, newClientIp } from "../../support/callWorker";
import { failingBucket, type Fault } from "../../support/failingBucket";
import { firstRefusal } from "../../support/firstRefusal";
import { tusSettings } from "../../../src/features/tus/tusSettings";

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

async function create(headers: Record<string, string>, body?: Uint8Array, vars: Partial<Env> = {}): Promise<Response> {
  return callWorker("/api/files/", { method: "POST", headers: { ...v, ...headers }, body }, vars);
}

function patch(url: string, offset: number, body: BodyInit, headers: Record<string, string> = {}, vars: Partial<Env> = {}): Promise<Response> {
  return callWorker(url, { method: "PATCH", headers: { ...v, "content-type": "application/offset+octet-stream", "upload-offset": String(offset), ...headers }, body }, vars);
}

const head = (url: string) => callWorker(url, { method: "HEAD", headers: v });
const keyOf = (url: string) => url.split("/").at(-1)!;
// Small PATCHes, for the tests that are about something else.
const anySize = { TUS_MIN_PATCH_BYTES: "1" };

/** The tail objects the upload has in R2. */
async function tails(key: string): Promise<string[]> {
  return (await env.UPLOADS.list({ prefix: `tus/${key}/` })).objects.map((o) => o.key);
}

/**
 * Puts a bucket that fails on demand into the upload's object; with `restart`, a fault's `after` restarts the object.
 * Resolves `storing` once the object first asks R2 for anything: a request it is serving holds its lock.
 */
async function injectFaults(key: string, faults: (restart: () => void) => Fault[] = () => []) {
  const storing = Promise.withResolvers<void>();
  await runInDurableObject(env.TUS_UPLOADS.getByName(key), (instance, state) => {
    const object = instance as unknown as { env: Env };
    const bucket = failingBucket(env.UPLOADS, faults(() => state.abort("restarted on purpose")), () => storing.resolve());
    object.env = { ...object.env, UPLOADS: bucket };
  });
  return { storing: storing.promise };
}

/** A PATCH body that sends `first`, then waits for `release()` to send `rest`: a PATCH held in flight. */
function heldBody(first: Uint8Array, rest: Uint8Array) {
  const released = Promise.withResolvers<void>();
  let step = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (step++ === 0) return controller.enqueue(first);
      await released.promise;
      controller.enqueue(rest);
      controller.close();
    },
  });
  return { body, release: released.resolve };
}

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
    const download = await callWorker(`/api/files/${key}`);
    expect(download.headers.get("content-digest")).toBe(`sha-256=:${b64(digest)}:`);
    expect(download.headers.get("content-type")).toBe("video/mp4");
    expect(hex(await sha256(new Uint8Array(await download.arrayBuffer())))).toBe(hex(digest));
    expect(await tails(key)).toEqual([]);
  });

  it("takes the first chunk in the POST (creation-with-upload), and a deferred length given later", async () => {
    const data = bytes(1000, 3);
    const created = await create({ "upload-defer-length": "1", "content-type": "application/offset+octet-stream" }, data.slice(0, 400), anySize);
    expect(created.status).toBe(201);
    expect(created.headers.get("upload-offset")).toBe("400");
    const url = created.headers.get("location")!;
    expect((await head(url)).headers.get("upload-defer-length")).toBe("1");
    expect((await patch(url, 400, data.slice(400), { "upload-length": "1000" }, anySize)).status).toBe(204);
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
    expect(await tails(key)).toHaveLength(1);
    expect((await callWorker(url, { method: "DELETE", headers: v })).status).toBe(204);
    expect(await tails(key)).toEqual([]);
    expect((await env.UPLOADS.list({ prefix: `files/${key}` })).objects).toHaveLength(0);
    expect((await head(url)).status).toBe(404);
  });

  it("deletes an expired upload when its alarm runs", async () => {
    const url = (await create({ "upload-length": "100" })).headers.get("location")!;
    expect((await patch(url, 0, bytes(40), {}, anySize)).status).toBe(204);
    const key = url.split("/").at(-1)!;
    expect(await tails(key)).toHaveLength(1);
    await runInDurableObject(env.TUS_UPLOADS.getByName(key), async (_, state) => {
      const saved = (await state.storage.get<{ expiresAt: number }>("state"))!;
      await state.storage.put("state", { ...saved, expiresAt: Date.now() - 1 });
    });
    expect(await runDurableObjectAlarm(env.TUS_UPLOADS.getByName(key))).toBe(true);
    expect(await tails(key)).toEqual([]);
    expect((await head(url)).status).toBe(404);
  });

  it.each([
    ["no Tus-Resumable", 412, () => callWorker("/api/files/", { method: "POST", headers: { "upload-length": "1" } })],
    ["a length over TUS_MAX_BYTES", 413, () => create({ "upload-length": String(11 * 1024 ** 3) })],
    ["neither Upload-Length nor Upload-Defer-Length", 400, () => create({})],
    ["bad Upload-Metadata", 400, () => create({ "upload-length": "1", "upload-metadata": "filename not*base64" })],
    ["an anonymous creation on a deployment with no API_TOKEN and ALLOW_ANONYMOUS false", 401, () => create({ "upload-length": "1" }, undefined, { ALLOW_ANONYMOUS: "false" })],
    ["a Worker deployed without its R2 binding", 500, () => create({ "upload-length": "1" }, undefined, { UPLOADS: undefined })],
    ["a filetype that is a comma list", 400, () => create({ "upload-length": "1", "upload-metadata": `filetype ${btoa("text/plain;,text/html")}` })],
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

describe("tus: nothing lost, nothing reported that is not stored", () => {
  it("completes a 0-byte upload at its creation: HEAD says complete and the download is empty", async () => {
    const created = await create({ "upload-length": "0", "upload-metadata": `filename ${btoa("empty.txt")}` });
    expect(created.status).toBe(201);
    const state = await head(created.headers.get("location")!);
    expect(state.headers.get("upload-offset")).toBe("0");
    expect(state.headers.get("repr-digest")).toBe(`sha-256=:${b64(await sha256(new Uint8Array(0)))}:`);
    const download = await callWorker(`/api/files/${keyOf(created.headers.get("location")!)}`);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(0);
  });

  it("refuses a PATCH smaller than TUS_MIN_PATCH_BYTES unless it ends the upload", async () => {
    const url = (await create({ "upload-length": String(2 * MiB + 10) })).headers.get("location")!;
    const small = await patch(url, 0, bytes(1000));
    expect(small.status).toBe(400);
    expect(small.headers.get("upload-offset")).toBe("0");
    expect((await patch(url, 0, bytes(2 * MiB))).status).toBe(204);
    // The last 10 bytes end the upload: small is fine then.
    expect((await patch(url, 2 * MiB, bytes(10))).status).toBe(204);
    expect((await head(url)).headers.get("repr-digest")).toMatch(/^sha-256=/);
  });

  it("serializes two PATCHes at the same offset: the first is stored, the second gets 409 with the new offset", async () => {
    const url = (await create({ "upload-length": String(4 * MiB) })).headers.get("location")!;
    const { storing } = await injectFaults(keyOf(url));
    const held = heldBody(bytes(MiB), bytes(MiB, 1));
    const first = patch(url, 0, held.body, { "content-length": String(2 * MiB) });
    await storing;
    const second = patch(url, 0, bytes(2 * MiB, 9));
    held.release();
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(204);
    expect(b.status).toBe(409);
    expect(b.headers.get("upload-offset")).toBe(String(2 * MiB));
  });

  it("lets a DELETE sent during a PATCH wait for it, then deletes everything the PATCH stored", async () => {
    const url = (await create({ "upload-length": String(12 * MiB) })).headers.get("location")!;
    const { storing } = await injectFaults(keyOf(url));
    const held = heldBody(bytes(5 * MiB), bytes(5 * MiB, 1));
    const patched = patch(url, 0, held.body, { "content-length": String(10 * MiB) });
    await storing;
    const deleted = callWorker(url, { method: "DELETE", headers: v });
    held.release();
    expect((await patched).status).toBe(204);
    expect((await deleted).status).toBe(204);
    expect((await head(url)).status).toBe(404);
    expect(await tails(keyOf(url))).toEqual([]);
  });

  it("lets the expiry alarm wait for a PATCH in flight, then deletes all of it: nothing written after the alarm", async () => {
    const url = (await create({ "upload-length": String(12 * MiB) })).headers.get("location")!;
    const key = keyOf(url);
    const { storing } = await injectFaults(key);
    const held = heldBody(bytes(5 * MiB), bytes(5 * MiB, 1));
    const patched = patch(url, 0, held.body, { "content-length": String(10 * MiB) });
    await storing;
    // Its time runs out while its PATCH is in flight, and the alarm fires.
    vi.spyOn(Date, "now").mockReturnValue(Date.now() + 2 * 86_400_000);
    const alarm = runDurableObjectAlarm(env.TUS_UPLOADS.getByName(key));
    held.release();
    expect((await patched).status).toBe(204);
    expect(await alarm).toBe(true);
    vi.mocked(Date.now).mockRestore();
    expect((await head(url)).status).toBe(404);
    expect(await tails(key)).toEqual([]);
  });

  it("counts every PATCH against the client's rate limit: past 60 in a minute, 429 with Tus-Resumable", async () => {
    const client = { "cf-connecting-ip": newClientIp() };
    const url = (await create({ "upload-length": "200" })).headers.get("location")!;
    const { refusedAt, passed, refusal } = await firstRefusal((n) => patch(url, n, bytes(1), client, anySize));
    expect(passed.every((s) => s === 204)).toBe(true);
    expect(refusedAt).toBeGreaterThanOrEqual(60);
    expect(refusedAt).toBeLessThanOrEqual(120);
    expect(refusal.headers.get("tus-resumable")).toBe("1.0.0");
  });

  it("answers an R2 failure inside a PATCH with 500 and Tus-Resumable, logs it, and keeps the offset for the retry", async () => {
    const data = bytes(10 * MiB, 4);
    const url = (await create({ "upload-length": String(data.byteLength) })).headers.get("location")!;
    await injectFaults(keyOf(url), () => [{ method: "uploadPart" }]);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const failed = await patch(url, 0, data);
    expect(failed.status).toBe(500);
    expect(failed.headers.get("tus-resumable")).toBe("1.0.0");
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("R2 failed on purpose"));
    expect((await head(url)).headers.get("upload-offset")).toBe("0");
    expect((await patch(url, 0, data)).status).toBe(204);
    expect((await head(url)).headers.get("repr-digest")).toBe(`sha-256=:${b64(await sha256(data))}:`);
  });

  it("never reports complete while the object or its digest is missing: a failed completion is finished by the next HEAD", async () => {
    const data = bytes(9 * MiB, 6);
    const url = (await create({ "upload-length": String(data.byteLength) })).headers.get("location")!;
    const key = keyOf(url);
    await injectFaults(key, () => [{ method: "put", key: /^meta\// }, { method: "put", key: /^meta\// }]);
    expect((await patch(url, 0, data)).status).toBe(500);
    // Still failing: the HEAD says so rather than the final offset.
    const during = await head(url);
    expect(during.status).toBe(500);
    expect(during.headers.get("upload-offset")).toBeNull();
    expect((await callWorker(`/api/files/${key}`)).status).toBe(404);
    // R2 is back: the HEAD finishes the completion, then reports it.
    const after = await head(url);
    expect(after.headers.get("upload-offset")).toBe(String(data.byteLength));
    expect(after.headers.get("repr-digest")).toBe(`sha-256=:${b64(await sha256(data))}:`);
    const download = await callWorker(`/api/files/${key}`);
    expect(hex(await sha256(new Uint8Array(await download.arrayBuffer())))).toBe(hex(await sha256(data)));
    expect(await tails(key)).toEqual([]);
  });

  it("finishes a completion the alarm retries, with no client coming back", async () => {
    const data = bytes(3 * MiB, 8);
    const url = (await create({ "upload-length": String(data.byteLength) })).headers.get("location")!;
    const key = keyOf(url);
    await injectFaults(key, () => [{ method: "complete" }]);
    expect((await patch(url, 0, data)).status).toBe(500);
    expect(await runDurableObjectAlarm(env.TUS_UPLOADS.getByName(key))).toBe(true);
    expect((await callWorker(`/api/files/${key}`)).status).toBe(200);
  });

  it.each([
    ["after the new tail is stored, before the state that counts it", { method: "put", key: /^tus\// }],
    ["after a part is stored, mid-PATCH", { method: "uploadPart" }],
    ["after the parts are joined, before the digest is written", { method: "complete" }],
  ] as const)("survives a restart %s: the retry from HEAD's offset gives a byte-identical object", async (_, fault) => {
    const data = bytes(11 * MiB + 5, 2);
    const url = (await create({ "upload-length": String(data.byteLength) })).headers.get("location")!;
    const key = keyOf(url);
    // A first PATCH leaves a tail, so the one that is interrupted has a tail before it too.
    expect((await patch(url, 0, data.slice(0, 3 * MiB))).status).toBe(204);
    await injectFaults(key, (restart) => [{ ...fault, after: restart }]);
    const interrupted = await patch(url, 3 * MiB, data.slice(3 * MiB));
    expect(interrupted.status).toBeGreaterThanOrEqual(500);
    const offset = Number((await head(url)).headers.get("upload-offset"));
    if (offset < data.byteLength) {
      expect(offset).toBe(3 * MiB);
      expect((await patch(url, offset, data.slice(offset))).status).toBe(204);
    }
    const download = await callWorker(`/api/files/${key}`);
    expect(download.status).toBe(200);
    expect(hex(await sha256(new Uint8Array(await download.arrayBuffer())))).toBe(hex(await sha256(data)));
    expect(await tails(key)).toEqual([]);
  }, 15_000);

  it("keeps the Location of an upload whose first chunk (creation-with-upload) was refused", async () => {
    const created = await create(
      { "upload-length": "2000", "content-type": "application/offset+octet-stream", "upload-checksum": `sha256 ${b64(await sha256(bytes(3)))}` },
      bytes(2000),
    );
    expect(created.status).toBe(460);
    const url = created.headers.get("location")!;
    expect(url).toMatch(/^\/api\/files\/[0-9a-f-]{36}$/);
    expect((await head(url)).headers.get("upload-offset")).toBe("0");
  });

  it("saves a multipart upload the moment it opens, so a refused first PATCH leaves none behind after DELETE", async () => {
    const data = bytes(9 * MiB, 1);
    const url = (await create({ "upload-length": String(data.byteLength) })).headers.get("location")!;
    const refused = await patch(url, 0, data, { "upload-checksum": `sha256 ${b64(await sha256(bytes(3)))}` });
    expect(refused.status).toBe(460);
    const key = keyOf(url);
    const multipartId = await runInDurableObject(env.TUS_UPLOADS.getByName(key), async (_, state) =>
      (await state.storage.get<{ multipartId: string | null }>("state"))!.multipartId);
    expect(multipartId).toBeTruthy();
    expect((await callWorker(url, { method: "DELETE", headers: v })).status).toBe(204);
    // Aborted: R2 refuses a part for it.
    await expect(env.UPLOADS.resumeMultipartUpload(`files/${key}`, multipartId!).uploadPart(1, "x")).rejects.toThrow();
  });

  it("refuses a PATCH past the upload memory budget with 503, Retry-After and Tus-Resumable", async () => {
    const budget = { UPLOAD_MEMORY_BYTES: String(16 * MiB) };
    const url = (await create({ "upload-length": String(4 * MiB) })).headers.get("location")!;
    const answer = await patch(url, 0, bytes(2 * MiB), {}, budget);
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("5");
    expect(answer.headers.get("tus-resumable")).toBe("1.0.0");
  });
});

describe("tusSettings", () => {
  it.each([
    ["TUS_EXPIRE_SECONDS", String(8 * 86_400), "R2 aborts a multipart upload left 7 days"],
    ["TUS_MIN_PATCH_BYTES", String(9 * 1024 * 1024), "a part is 8 MiB"],
    ["TUS_MAX_BYTES", "lots", "a number"],
  ])("refuses %s=%s when read, naming the variable (%s)", (name, value) => {
    expect(() => tusSettings({ ...env, [name]: value })).toThrow(
      expect.objectContaining({ status: 500, code: "bad_config", message: expect.stringContaining(name) }),
    );
  });
});
