import { DurableObject } from "cloudflare:workers";
import { PART_BYTES } from "../../storage/storageSettings";
import type { TusConfig } from "./tusSettings";
import { HttpError } from "../../streams/HttpError";
import { bodyChunks, READ_BYTES } from "../../storage/bodyChunks";
import { digestHeader, toBase64, toHex } from "../../storage/contentDigest";
import { fileKey, metaKey, uploadsBucket, type UploadResult } from "../../storage/storedUpload";
import { streamOf } from "../../storage/streamOf";
import { reserveUploadMemory } from "../../storage/uploadMemory";
import { completeParts, PartWriter } from "../../storage/PartWriter";
import { TUS_CONFIG_HEADER, tusChecksum, tusHeaders } from "./tusHeaders";

/** What an upload is, between requests: in this object's storage, one key. */
interface TusState {
  /** The upload's key: its object is stored as every upload is (storedUpload.ts), served once complete by GET. */
  key: string;
  /** Upload-Length, or null while deferred. */
  length: number | null;
  /** Bytes committed: stored in R2 as parts or the tail. Equal to `length` with no `sha256` yet: completing. */
  offset: number;
  metadata: string | null;
  filename: string | undefined;
  filetype: string | undefined;
  expiresAt: number;
  /** The R2 multipart upload, saved the moment it is created (so nothing can orphan it), and its parts so far. */
  multipartId: string | null;
  parts: R2UploadedPart[];
  /** Bytes past the last whole part: in R2 at `tailKey(state)`, a name of its own per offset (parts must be equal). */
  tail: number;
  /** Once complete (the object and its `meta/` sidecar exist): the whole object's SHA-256, hex. */
  sha256: string | null;
}

export interface CreateRequest {
  length: number | null;
  metadata: string | null;
  filename: string | undefined;
  filetype: string | undefined;
}

// A completion that failed (R2 down) is tried again by the alarm this soon, whether or not the client comes back.
const RETRY_COMPLETION_MS = 30_000;

/**
 * One tus upload (tus 1.0.0): its offset, its R2 multipart upload and the parts stored so far. Each PATCH body is
 * streamed into R2 parts as it arrives (PartWriter: 8 MiB parts, since R2 wants parts of one size, at least 5 MiB);
 * what is left when the body ends, or is cut, is stored as the tail object, so every byte that arrived counts and the
 * next PATCH picks up there. A PATCH with Upload-Checksum commits only if its bytes match.
 *
 * Every write is ordered so that a crash at any await leaves state and bytes consistent: bytes reach R2 under names
 * no committed state points at, then the state that counts them is saved, then what it no longer counts is deleted.
 * The upload is reported complete (offset = length) only once the object and its `meta/<key>` sidecar exist; until
 * then a HEAD, a PATCH or the alarm finishes the completion, which can be run again from any point. Every request and
 * the alarm take one lock, in arrival order, before their first await.
 */
export class TusUpload extends DurableObject<Env> {
  /** The tail of the queue: each request and the alarm runs after the one before it has ended. */
  #queue: Promise<unknown> = Promise.resolve();
  /**
   * The whole upload's SHA-256 so far, fed each committed byte in order, natively: it lives as long as this object's
   * memory does. Lost (a restart, a PATCH not kept after its bytes were fed), the object is hashed back from R2 at the
   * end instead.
   */
  #sha: { writer: WritableStreamDefaultWriter<Uint8Array>; digest: Promise<ArrayBuffer>; offset: number } | undefined;

  /** Creates the upload; a 0-byte one is complete at once (no client sends a PATCH for it). */
  async create(request: CreateRequest, key: string, config: TusConfig): Promise<TusState> {
    return this.#locked(async () => {
      const state: TusState = {
        key,
        ...request,
        offset: 0,
        expiresAt: Date.now() + config.expireMs,
        multipartId: null,
        parts: [],
        tail: 0,
        sha256: null,
      };
      await this.ctx.storage.put("state", state);
      await this.ctx.storage.setAlarm(state.expiresAt);
      if (state.length === 0) await this.#complete(state);
      return state;
    });
  }

  /**
   * HEAD, PATCH and DELETE of the upload, as tus has them, with the Worker's settings in TUS_CONFIG_HEADER (so they
   * are the Worker's, not this object's own env's). By `fetch`, not RPC: a PATCH body crosses natively this way, where
   * passed over RPC it cost markedly more CPU per byte (bench/upload.ts).
   */
  override fetch(request: Request): Promise<Response> {
    const config = JSON.parse(request.headers.get(TUS_CONFIG_HEADER) ?? "null") as TusConfig | null;
    if (!config) return Promise.resolve(failed(this.#key, new Error(`${TUS_CONFIG_HEADER} missing`)));
    // A HEAD from a client that dropped mid-PATCH waits for that PATCH to be stored: the offset it sees is final.
    return this.#locked(() => this.#serve(request, config)).catch((error: unknown) => failed(this.#key, error));
  }

  override async alarm(): Promise<void> {
    await this.#locked(async () => {
      const state = await this.ctx.storage.get<TusState>("state");
      if (!state) return;
      if (completing(state)) {
        try {
          await this.#complete(state);
        } catch (error) {
          logFailure(state.key, "completion", error);
          return this.ctx.storage.setAlarm(Date.now() + RETRY_COMPLETION_MS);
        }
      }
      if (Date.now() >= state.expiresAt) return this.#delete(state);
      await this.ctx.storage.setAlarm(state.expiresAt);
    });
  }

  /** Runs `work` once everything queued before it has ended; the queue is joined before any await. */
  #locked<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** The upload's key for log lines, from the object's name. */
  get #key(): string {
    return this.ctx.id.name ?? this.ctx.id.toString();
  }

  async #serve(request: Request, config: TusConfig): Promise<Response> {
    uploadsBucket(this.env);
    const state = await this.ctx.storage.get<TusState>("state");
    if (!state) return status(404);
    if (Date.now() >= state.expiresAt && !state.sha256 && !completing(state)) {
      await this.#delete(state);
      return status(410);
    }
    if (request.method === "DELETE") {
      await this.#delete(state);
      return status(204);
    }
    // Every byte is in: finish what a failed or interrupted completion left before saying where the upload is.
    if (completing(state)) await this.#completeOrRetry(state);
    if (request.method === "HEAD") return status(200, { ...this.#offsetHeaders(state), "cache-control": "no-store" });
    return this.#patch(request, state, config);
  }

  async #patch(request: Request, state: TusState, config: TusConfig): Promise<Response> {
    const offset = Number(request.headers.get("upload-offset"));
    if (offset !== state.offset) return status(409, this.#offsetHeaders(state), `Upload-Offset must be ${state.offset}`);
    const { maxBytes, idleMs, minPatchBytes, memoryBytes } = config;
    const declared = request.headers.get("upload-length");
    const length = declared !== null && state.length === null ? Number(declared) : state.length;
    if (declared !== null && state.length === null) {
      if (!Number.isSafeInteger(length) || length! < state.offset) return status(400, {}, "Upload-Length must be an integer at least the offset");
      if (length! > maxBytes) return status(413, {}, `the upload must be at most ${maxBytes} bytes`);
    }
    let checksum;
    try {
      checksum = tusChecksum(request.headers.get("upload-checksum"));
    } catch (error) {
      return status(400, {}, (error as Error).message);
    }
    const room = (length ?? maxBytes) - state.offset;
    if (room === 0 && state.sha256) return status(204, this.#offsetHeaders(state));
    // Each PATCH re-reads and re-writes the tail: a stream of tiny ones would cost a part's I/O per byte.
    const small = (bytes: number) => bytes < minPatchBytes && state.offset + bytes !== length;
    const contentLength = request.headers.get("content-length");
    if (contentLength !== null && Number(contentLength) > room) {
      return status(413, {}, `the upload is ${length ?? room + state.offset} bytes at most`);
    }
    if (contentLength !== null && small(Number(contentLength))) {
      return status(400, this.#offsetHeaders(state), `a PATCH must carry at least ${minPatchBytes} bytes, unless it ends the upload`);
    }
    // What this PATCH holds at its worst: the part being filled (the tail included) and one read.
    const release = reserveMemory(PART_BYTES + READ_BYTES, memoryBytes);
    try {
      return await this.#receive(request, state, { length, room, checksum, idleMs, small });
    } finally {
      release();
    }
  }

  async #receive(
    request: Request,
    state: TusState,
    { length, room, checksum, idleMs, small }: {
      length: number | null;
      room: number;
      checksum: ReturnType<typeof tusChecksum>;
      idleMs: number;
      small: (bytes: number) => boolean;
    },
  ): Promise<Response> {
    const bucket = uploadsBucket(this.env);
    const writer = new PartWriter(bucket, fileKey(state.key), objectMetadata(state), {
      multipartId: state.multipartId,
      parts: state.parts,
      tail: await this.#readTail(state),
      // Saved before a part is sent to it: a crash or a refusal after this leaves nothing the alarm cannot abort.
      onCreate: async (multipartId) => {
        state.multipartId = multipartId;
        await this.ctx.storage.put("state", state);
      },
    });
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
    let cut = false;
    let refusal: Response | undefined;
    let storage: unknown;
    try {
      for await (const chunk of bodyChunks(request.body, idleMs)) {
        if (received + chunk.byteLength > room) {
          refusal = status(413, {}, `the upload is ${length ?? room + state.offset} bytes at most`);
          break;
        }
        received += chunk.byteLength;
        try {
          await Promise.all([hasher?.write(chunk), writer.write(chunk), sha?.writer.write(chunk)]);
        } catch (error) {
          // R2 (or a hash) failed, not the client: nothing of this PATCH counts, and the client is told to retry.
          storage = error;
          break;
        }
      }
    } catch {
      // Only the body's own end: the client left, or went silent. What arrived is kept, unless a checksum must vouch for it.
      cut = true;
    }
    await writer.stop();
    if (storage !== undefined || refusal || writer.written !== received) this.#dropSha();
    if (storage !== undefined) throw storage;
    if (refusal) return refusal;
    if (!cut && small(received)) return this.#dropSha(), status(400, this.#offsetHeaders(state), "a PATCH this small must end the upload");
    if (hash && hasher) {
      if (cut) return this.#dropSha(), status(400, {}, "the PATCH was cut: its checksum cannot be checked, so nothing of it was kept");
      await hasher.close();
      if (toBase64(await hash.digest) !== checksum!.base64) {
        this.#dropSha();
        return status(460, this.#offsetHeaders(state), "the PATCH does not match its Upload-Checksum; nothing of it was kept");
      }
    }
    if (writer.written > 0 || length !== state.length) await this.#commit(state, writer, length);
    if (this.#sha) this.#sha.offset = state.offset;
    if (completing(state)) await this.#completeOrRetry(state, writer.chunks);
    return status(204, this.#offsetHeaders(state));
  }

  /**
   * Counts what the writer took: the new tail under a name no saved state points at, then the state that counts it,
   * then the old tail. A crash between any two leaves the old state and its own tail whole (the client re-sends).
   */
  async #commit(state: TusState, writer: PartWriter, length: number | null): Promise<void> {
    const bucket = uploadsBucket(this.env);
    const before = { ...state };
    const next: TusState = { ...state, length, offset: state.offset + writer.written, parts: writer.parts, multipartId: writer.multipartId, tail: writer.filled };
    if (next.tail > 0 && next.offset !== before.offset) await bucket.put(tailKey(next), streamOf(writer.chunks, writer.filled));
    await this.ctx.storage.put("state", next);
    Object.assign(state, next);
    if (before.tail > 0 && tailKey(before) !== tailKey(next)) await bucket.delete(tailKey(before));
  }

  /** The tail the last PATCH left, checked against the size the state says it has. */
  async #readTail(state: TusState): Promise<Uint8Array | undefined> {
    if (state.tail === 0) return undefined;
    const object = await uploadsBucket(this.env).get(tailKey(state));
    const tail = object && new Uint8Array(await object.arrayBuffer());
    if (tail?.byteLength !== state.tail) {
      throw new Error(`the stored tail of upload ${state.key} is ${tail ? tail.byteLength : "missing"}, not ${state.tail} bytes`);
    }
    return tail;
  }

  /** Completes, or leaves the alarm to try again soon and rethrows: the client is told 5xx and may retry too. */
  async #completeOrRetry(state: TusState, tail?: Uint8Array[]): Promise<void> {
    try {
      await this.#complete(state, tail);
    } catch (error) {
      await this.ctx.storage.setAlarm(Date.now() + RETRY_COMPLETION_MS).catch(() => {});
      throw error;
    }
  }

  /**
   * Joins the parts (the tail the last), takes the whole object's SHA-256, writes the sidecar `/api/upload` reads, and
   * only then saves the upload as complete. Each step can be run again: an object already joined is not joined twice.
   */
  async #complete(state: TusState, tail?: Uint8Array[]): Promise<void> {
    const bucket = uploadsBucket(this.env);
    const file = fileKey(state.key);
    if (!(await bucket.head(file))) {
      const last = tail ?? (state.tail > 0 ? [(await this.#readTail(state))!] : []);
      // A 0-byte upload may have opened a multipart upload it never used: it is one empty put (and aborted below).
      const multipartId = state.offset > 0 ? state.multipartId : null;
      await completeParts(bucket, file, objectMetadata(state), { multipartId, parts: state.parts, tail: last, tailBytes: state.tail });
    }
    const sha256 = toHex(await this.#finalDigest(file, state.offset));
    const result: UploadResult = { key: state.key, bytes: state.offset, sha256, stored: true };
    await bucket.put(metaKey(state.key), JSON.stringify(result));
    await this.#deleteTails(state);
    // A 0-byte upload may have opened a multipart upload it never used.
    if (state.multipartId && state.offset === 0) await bucket.resumeMultipartUpload(file, state.multipartId).abort().catch(() => {});
    Object.assign(state, { sha256, tail: 0, multipartId: null, parts: [] });
    await this.ctx.storage.put("state", state);
    console.log(JSON.stringify({ msg: "upload ended", route: "/api/files", key: state.key, outcome: "complete", bytes: state.offset }));
  }

  /**
   * The whole object's SHA-256: the running hash when it saw every byte, else the stored object hashed back from R2,
   * natively (Web Crypto cannot carry a hash's state from one object's memory to the next).
   */
  async #finalDigest(file: string, length: number): Promise<ArrayBuffer> {
    const sha = this.#sha;
    this.#sha = undefined;
    if (sha?.offset === length) {
      await sha.writer.close();
      return sha.digest;
    }
    void sha?.writer.abort().catch(() => {});
    const object = await uploadsBucket(this.env).get(file);
    if (!object) throw new Error(`upload ${file} vanished while it was being completed`);
    const hash = new crypto.DigestStream("SHA-256");
    await object.body.pipeTo(hash);
    return hash.digest;
  }

  #dropSha(): void {
    void this.#sha?.writer.abort().catch(() => {});
    this.#sha = undefined;
  }

  /** Forgets the upload: its multipart upload aborted, its tails deleted; a completed object stays where it landed. */
  async #delete(state: TusState): Promise<void> {
    const bucket = uploadsBucket(this.env);
    this.#dropSha();
    if (state.multipartId) await bucket.resumeMultipartUpload(fileKey(state.key), state.multipartId).abort().catch(() => {});
    await this.#deleteTails(state);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** Every tail object of the upload: the current one, and any a crash left between a commit's steps. */
  async #deleteTails(state: TusState): Promise<void> {
    const bucket = uploadsBucket(this.env);
    const listed = await bucket.list({ prefix: `tus/${state.key}/` });
    const keys = listed.objects.map((object) => object.key);
    if (keys.length > 0) await bucket.delete(keys);
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

/** Every byte is in, but the object or its sidecar may not be yet. */
function completing(state: TusState): boolean {
  return state.offset === state.length && !state.sha256;
}

/** The tail's name carries the offset it ends at: a new tail never overwrites the one the saved state counts. */
function tailKey(state: TusState): string {
  return `tus/${state.key}/tail-${state.offset}`;
}

function objectMetadata(state: TusState): R2PutOptions {
  return {
    httpMetadata: { contentType: state.filetype ?? "application/octet-stream" },
    customMetadata: state.filename ? { name: state.filename } : {},
  };
}

/** The upload memory budget (uploadMemory.ts), refused as tus answers: 503 with Retry-After and Tus-Resumable. */
function reserveMemory(bytes: number, budget: number): () => void {
  try {
    return reserveUploadMemory(bytes, budget);
  } catch (error) {
    throw new HttpError(503, "busy", (error as Error).message, tusHeaders({ "retry-after": "5" }));
  }
}

function logFailure(key: string, during: string, error: unknown): void {
  console.error(JSON.stringify({ msg: "upload failed", route: "/api/files", key, during, error: String(error) }));
}

/** What a request that threw gets: an HttpError as it says, anything else (R2 failing) a logged 500; tus headers on both. */
function failed(key: string, error: unknown): Response {
  if (error instanceof HttpError) {
    return Response.json({ error: { message: error.message, code: error.code } }, { status: error.status, headers: tusHeaders(error.headers) });
  }
  logFailure(key, "request", error);
  return Response.json({ error: { message: "the upload could not be stored; retry", code: "storage_error" } }, { status: 500, headers: tusHeaders() });
}

/** A tus answer: its status, the tus headers, and for an error a JSON body saying why. */
function status(code: number, headers: Record<string, string> = {}, message?: string): Response {
  const all = tusHeaders(headers);
  if (message === undefined) return new Response(null, { status: code, headers: all });
  return Response.json({ error: { message, code: `tus_${code}` } }, { status: code, headers: all });
}
