import { DurableObject } from "cloudflare:workers";
import { settings } from "../settings";
import { bodyChunks } from "../upload/bodyChunks";
import { digestHeader, toBase64, toHex } from "../upload/contentDigest";
import type { UploadResult } from "../upload/receiveUpload";
import { streamOf } from "../upload/streamOf";
import { PartWriter } from "./PartWriter";
import { tusChecksum, tusHeaders } from "./tusHeaders";

/** What an upload is, between requests: in this object's storage, one key. */
interface TusState {
  /** The R2 key under `files/`, as `/api/upload` names its uploads: `GET /api/upload/:key` serves it once complete. */
  key: string;
  /** Upload-Length, or null while deferred. */
  length: number | null;
  offset: number;
  metadata: string | null;
  filename: string | undefined;
  filetype: string | undefined;
  expiresAt: number;
  /** The R2 multipart upload, once its first part is stored, and its parts so far. */
  multipartId: string | null;
  parts: R2UploadedPart[];
  /** Bytes past the last whole part: kept in R2 at `tus/<key>/tail` between requests (parts must be equal). */
  tail: number;
  /** Once complete: the whole object's SHA-256, hex. */
  sha256: string | null;
}

export interface CreateRequest {
  length: number | null;
  metadata: string | null;
  filename: string | undefined;
  filetype: string | undefined;
}

/**
 * One tus upload (tus 1.0.0): its offset, its R2 multipart upload and the parts stored so far. Each PATCH body is
 * streamed into R2 parts as it arrives (PartWriter: 8 MiB parts, since R2 wants parts of one size, at least 5 MiB);
 * what is left when the body ends, or is cut, is stored as the tail object, so every byte that arrived counts and the
 * next PATCH picks up there. A PATCH with Upload-Checksum commits only if its bytes match. At the end the
 * parts are joined, the whole object's SHA-256 taken (a running native hash, or the object hashed back from R2) and a
 * `meta/<key>` sidecar written, as `/api/upload` does. The alarm deletes an upload that outlived its expiry.
 */
export class TusUpload extends DurableObject<Env> {
  /** The PATCH being received, if any: its client may be gone while its last bytes are still being stored. */
  #patching: Promise<Response> | undefined;
  /**
   * The whole upload's SHA-256 so far, fed each committed byte in order, natively: it lives as long as this object's
   * memory does. Lost (a restart, a PATCH not kept after its bytes were fed), the object is hashed back from R2 at the
   * end instead, which for 1 GiB took 23 s locally against well under a second here.
   */
  #sha: { writer: WritableStreamDefaultWriter<Uint8Array>; digest: Promise<ArrayBuffer>; offset: number } | undefined;

  /** Creates the upload; with a first chunk (creation-with-upload), stores it too. */
  async create(request: CreateRequest, key: string): Promise<TusState> {
    const state: TusState = {
      key,
      ...request,
      offset: 0,
      expiresAt: Date.now() + settings(this.env).tus.expireMs,
      multipartId: null,
      parts: [],
      tail: 0,
      sha256: null,
    };
    await this.ctx.storage.put("state", state);
    await this.ctx.storage.setAlarm(state.expiresAt);
    return state;
  }

  /** HEAD, PATCH and DELETE of the upload, as tus has them. */
  override async fetch(request: Request): Promise<Response> {
    // One request at a time: a HEAD or PATCH that comes while a PATCH is still being stored waits for it, so the
    // offset it sees is final (a client that dropped mid-PATCH asks for the offset at once, before its cut is stored).
    while (this.#patching) await this.#patching.catch(() => {});
    const state = await this.ctx.storage.get<TusState>("state");
    if (!state) return status(404);
    if (Date.now() >= state.expiresAt && !state.sha256) {
      await this.#delete(state);
      return status(410);
    }
    if (request.method === "HEAD") return status(200, { ...this.#offsetHeaders(state), "cache-control": "no-store" });
    if (request.method === "DELETE") {
      await this.#delete(state);
      return status(204);
    }
    this.#patching = this.#patch(request, state).finally(() => (this.#patching = undefined));
    return this.#patching;
  }

  override async alarm(): Promise<void> {
    const state = await this.ctx.storage.get<TusState>("state");
    if (state) await this.#delete(state);
  }

  async #patch(request: Request, state: TusState): Promise<Response> {
    const offset = Number(request.headers.get("upload-offset"));
    if (offset !== state.offset) return status(409, this.#offsetHeaders(state), `Upload-Offset must be ${state.offset}`);
    const { maxBytes, idleMs } = settings(this.env).tus;
    const declared = request.headers.get("upload-length");
    if (declared !== null && state.length === null) {
      const length = Number(declared);
      if (!Number.isSafeInteger(length) || length < state.offset) return status(400, {}, "Upload-Length must be an integer at least the offset");
      if (length > maxBytes) return status(413, {}, `the upload must be at most ${maxBytes} bytes`);
      state.length = length;
    }
    let checksum;
    try {
      checksum = tusChecksum(request.headers.get("upload-checksum"));
    } catch (error) {
      return status(400, {}, (error as Error).message);
    }
    const room = (state.length ?? maxBytes) - state.offset;
    if (room === 0 && state.sha256) return status(204, this.#offsetHeaders(state));
    const bucket = this.env.UPLOADS;
    const fileKey = `files/${state.key}`;
    // The part being filled: the tail the last PATCH left, then this body's bytes.
    const tail = state.tail > 0 ? new Uint8Array(await (await bucket.get(tailKey(state)))!.arrayBuffer()) : undefined;
    const writer = new PartWriter(bucket, fileKey, objectMetadata(state), { multipartId: state.multipartId, parts: state.parts, tail });
    // The running hash goes on only from where it stopped; at offset 0 one starts.
    if (this.#sha?.offset !== state.offset) this.#dropSha();
    if (state.offset === 0 && !this.#sha) {
      const digest = new crypto.DigestStream("SHA-256");
      digest.digest.catch(() => {});
      this.#sha = { writer: digest.getWriter(), digest: digest.digest, offset: 0 };
    }
    const sha = this.#sha;
    const hash = checksum && new crypto.DigestStream(checksum.algorithm);
    hash?.digest.catch(() => {});
    const hasher = hash?.getWriter();
    let received = 0;
    let whole = false;
    let refusal: Response | undefined;
    try {
      for await (const chunk of bodyChunks(request.body, idleMs)) {
        if (received + chunk.byteLength > room) {
          refusal = status(413, {}, `the upload is ${state.length ?? maxBytes} bytes at most`);
          break;
        }
        received += chunk.byteLength;
        await Promise.all([hasher?.write(chunk), writer.write(chunk), sha?.writer.write(chunk)]);
      }
      whole = refusal === undefined;
    } catch {
      // The body was cut (the client left, or went silent): what arrived is kept, unless a checksum must vouch for it.
    }
    await writer.stop();
    // The running hash holds only if it got exactly the bytes kept; else the end hashes the object back.
    if (writer.written !== received) this.#dropSha();
    if (refusal) return this.#dropSha(), refusal;
    if (hash && hasher) {
      if (!whole) return this.#dropSha(), status(400, {}, "the PATCH was cut: its checksum cannot be checked, so nothing of it was kept");
      await hasher.close();
      if (toBase64(await hash.digest) !== checksum!.base64) {
        this.#dropSha();
        return status(460, this.#offsetHeaders(state), "the PATCH does not match its Upload-Checksum; nothing of it was kept");
      }
    }
    // Committed: the new tail first, then the state that counts it.
    const { chunks, filled, parts, multipartId } = writer;
    if (filled > 0) await bucket.put(tailKey(state), streamOf(chunks, filled));
    else if (state.tail > 0) await bucket.delete(tailKey(state));
    // Counted as the writer took them: a chunk R2 failed midway counts only as far as it got.
    Object.assign(state, { offset: state.offset + writer.written, parts, multipartId, tail: filled });
    await this.ctx.storage.put("state", state);
    if (this.#sha) this.#sha.offset = state.offset;
    if (state.offset === state.length) await this.#complete(state, chunks, filled);
    return status(204, this.#offsetHeaders(state));
  }

  #dropSha(): void {
    void this.#sha?.writer.abort().catch(() => {});
    this.#sha = undefined;
  }

  /** Joins the parts (the tail the last), takes the whole object's SHA-256, and writes the sidecar `/api/upload` reads. */
  async #complete(state: TusState, chunks: Uint8Array[], filled: number): Promise<void> {
    const bucket = this.env.UPLOADS;
    const fileKey = `files/${state.key}`;
    if (state.multipartId) {
      const upload = bucket.resumeMultipartUpload(fileKey, state.multipartId);
      if (filled > 0) state.parts.push(await upload.uploadPart(state.parts.length + 1, streamOf(chunks, filled)));
      await upload.complete(state.parts);
    } else {
      await bucket.put(fileKey, streamOf(chunks, filled), objectMetadata(state));
    }
    if (filled > 0) await bucket.delete(tailKey(state));
    const sha256 = toHex(await this.#finalDigest(fileKey, state.offset));
    const result: UploadResult = { key: state.key, bytes: state.offset, sha256, stored: true };
    await bucket.put(`meta/${state.key}`, JSON.stringify(result));
    Object.assign(state, { sha256, tail: 0, multipartId: null, parts: [] });
    await this.ctx.storage.put("state", state);
    console.log(JSON.stringify({ msg: "upload ended", route: "/api/files", key: state.key, outcome: "complete", bytes: state.offset }));
  }

  /**
   * The whole object's SHA-256: the running hash when it saw every byte, else the stored object hashed back from R2,
   * natively (Web Crypto cannot carry a hash's state from one object's memory to the next).
   */
  async #finalDigest(fileKey: string, length: number): Promise<ArrayBuffer> {
    const sha = this.#sha;
    this.#sha = undefined;
    if (sha?.offset === length) {
      await sha.writer.close();
      return sha.digest;
    }
    void sha?.writer.abort().catch(() => {});
    const object = await this.env.UPLOADS.get(fileKey);
    const hash = new crypto.DigestStream("SHA-256");
    await object!.body.pipeTo(hash);
    return hash.digest;
  }

  /** Forgets the upload: its multipart upload aborted, its tail deleted; a completed object stays where it landed. */
  async #delete(state: TusState): Promise<void> {
    const bucket = this.env.UPLOADS;
    if (state.multipartId) await bucket.resumeMultipartUpload(`files/${state.key}`, state.multipartId).abort().catch(() => {});
    if (state.tail > 0) await bucket.delete(tailKey(state));
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  #offsetHeaders(state: TusState): Record<string, string> {
    return tusHeaders({
      "upload-offset": String(state.offset),
      ...(state.length === null ? { "upload-defer-length": "1" } : { "upload-length": String(state.length) }),
      ...(state.metadata ? { "upload-metadata": state.metadata } : {}),
      "upload-expires": new Date(state.expiresAt).toUTCString(),
      ...(state.sha256 ? { "repr-digest": digestHeader(state.sha256) } : {}),
    });
  }
}

function tailKey(state: TusState): string {
  return `tus/${state.key}/tail`;
}

function objectMetadata(state: TusState): R2PutOptions {
  return {
    httpMetadata: { contentType: state.filetype ?? "application/octet-stream" },
    customMetadata: state.filename ? { name: state.filename } : {},
  };
}

/** A tus answer: its status, the tus headers, and for an error a JSON body saying why. */
function status(code: number, headers: Record<string, string> = {}, message?: string): Response {
  const all = tusHeaders(headers);
  if (message === undefined) return new Response(null, { status: code, headers: all });
  return Response.json({ error: { message, code: `tus_${code}` } }, { status: code, headers: all });
}
