import { PART_BYTES } from "./storageSettings";
import { streamOf } from "./streamOf";

/**
 * The one way bytes of unknown length go into R2 here (/api/upload without a Content-Length, and every tus PATCH):
 * parts of exactly PART_BYTES written into a multipart upload as they arrive. A part is streamed into R2 while it
 * fills (tus: reading the body and storing it overlap), or sent whole once it is in hand (`holdParts`: /api/upload,
 * whose small bodies then need no multipart upload); either way a copy of it is kept until R2 has it, so what is left
 * when the writing stops (the tail: an unfinished part, or one R2 failed to take) is still in hand. Memory: one part.
 */
export class PartWriter {
  /** The bytes past the last stored part, and how many. */
  chunks: Uint8Array[];
  filled: number;
  /** Bytes taken by `write`: the tail it started with is not counted. */
  written = 0;
  readonly parts: R2UploadedPart[];
  multipartId: string | null;
  #open: { writer: WritableStreamDefaultWriter<Uint8Array>; stored: Promise<R2UploadedPart> } | undefined;
  readonly #onCreate: (multipartId: string) => Promise<void>;
  readonly #holdParts: boolean;

  constructor(
    readonly bucket: R2Bucket,
    readonly key: string,
    readonly metadata: R2MultipartOptions,
    from: {
      multipartId: string | null;
      parts: R2UploadedPart[];
      tail: Uint8Array | undefined;
      /** Called with a new multipart upload's id before any part is sent to it: the caller saves it. */
      onCreate?: (multipartId: string) => Promise<void>;
      /**
       * Each part sent to R2 whole, once it is in hand, instead of streamed while it fills: no multipart upload until a
       * part is full, so a body smaller than a part is stored by `finish` as one put. The same memory either way.
       */
      holdParts?: boolean;
    },
  ) {
    this.multipartId = from.multipartId;
    this.#onCreate = from.onCreate ?? (async () => {});
    this.#holdParts = from.holdParts ?? false;
    this.parts = [...from.parts];
    this.chunks = from.tail ? [from.tail] : [];
    this.filled = from.tail?.byteLength ?? 0;
  }

  /** Adds a chunk (copied: the caller's buffer is reused); resolves once R2 has taken it, or the part it completed. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.filled === PART_BYTES) await this.#finishPart();
    for (let at = 0; at < chunk.byteLength; ) {
      const take = Math.min(PART_BYTES - this.filled, chunk.byteLength - at);
      const piece = chunk.slice(at, at + take);
      if (!this.#open && this.#holdParts && this.filled + take < PART_BYTES) {
        this.chunks.push(piece);
        this.filled += take;
        this.written += take;
        at += take;
        continue;
      }
      if (!this.#open) await this.#startPart();
      const open = this.#open!;
      // A failed write names what failed: R2's refusal of the part, when that is why.
      await open.writer.write(piece).catch(async (error: unknown) => {
        await open.stored;
        throw error;
      });
      this.chunks.push(piece);
      this.filled += take;
      this.written += take;
      at += take;
      if (this.filled === PART_BYTES) await this.#finishPart();
    }
  }

  /** Stops writing: a part still filling is abandoned in R2, its bytes kept here as the tail. */
  async stop(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    if (open) await open.writer.abort(new Error("the PATCH ended mid-part")).catch(() => {});
  }

  /** Stores what is in hand as the last part and completes the object: the whole object is in R2 when it resolves. */
  async finish(): Promise<void> {
    await this.stop();
    await completeParts(this.bucket, this.key, this.metadata, { multipartId: this.multipartId, parts: this.parts, tail: this.chunks, tailBytes: this.filled });
  }

  /** Gives up: the part filling abandoned, the multipart upload (if one was started) aborted in R2. */
  async abort(): Promise<void> {
    await this.stop();
    if (this.multipartId) await this.bucket.resumeMultipartUpload(this.key, this.multipartId).abort();
  }

  async #startPart(): Promise<void> {
    if (!this.multipartId) {
      const { uploadId } = await this.bucket.createMultipartUpload(this.key, this.metadata);
      await this.#onCreate(uploadId);
      this.multipartId = uploadId;
    }
    const fixed = new FixedLengthStream(PART_BYTES);
    const stored = this.bucket.resumeMultipartUpload(this.key, this.multipartId).uploadPart(this.parts.length + 1, fixed.readable);
    const writer = fixed.writable.getWriter();
    // Awaited when the part is full; abandoned on purpose when it is not. A part R2 refuses fails the writes waiting
    // on it at once: R2 may refuse without reading the stream, and they would wait forever.
    stored.catch((error: unknown) => writer.abort(error).catch(() => {}));
    this.#open = { writer, stored };
    // The bytes already in hand (the last PATCH's tail) open the part.
    for (const chunk of this.chunks) await this.#open.writer.write(chunk);
  }

  async #finishPart(): Promise<void> {
    if (!this.#open) await this.#startPart();
    const { writer, stored } = this.#open!;
    this.#open = undefined;
    await writer.close();
    this.parts.push(await stored);
    this.chunks = [];
    this.filled = 0;
  }
}

/**
 * Completes an object from its stored parts and the tail in hand (the last part, which may be short): one put when no
 * multipart upload was started. Run again after a failure, it uploads the tail again under the same part number.
 */
export async function completeParts(
  bucket: R2Bucket,
  key: string,
  metadata: R2MultipartOptions,
  { multipartId, parts, tail, tailBytes }: { multipartId: string | null; parts: R2UploadedPart[]; tail: Uint8Array[]; tailBytes: number },
): Promise<void> {
  if (multipartId === null) {
    await bucket.put(key, streamOf(tail, tailBytes), metadata);
    return;
  }
  const upload = bucket.resumeMultipartUpload(key, multipartId);
  const all = [...parts];
  if (tailBytes > 0) all.push(await upload.uploadPart(all.length + 1, streamOf(tail, tailBytes)));
  await upload.complete(all);
}
