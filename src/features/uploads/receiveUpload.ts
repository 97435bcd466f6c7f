import { PART_BYTES } from "../../storage/storageSettings";
import { HttpError } from "../../streams/HttpError";
import { bodyChunks, READ_BYTES } from "../../storage/bodyChunks";
import { toHex } from "../../storage/contentDigest";
import { PartWriter } from "../../storage/PartWriter";
import { fileKey, metaKey, type UploadResult } from "../../storage/storedUpload";


export interface UploadOptions {
  /** Where to store it; without one the body is counted and hashed only. */
  bucket: R2Bucket | undefined;
  key: string;
  /** The declared Content-Length, if any: known, the body goes to R2 as one streamed put. */
  length: number | undefined;
  maxBytes: number;
  /** A body silent this long is cut (408) and nothing of it kept. */
  idleMs: number;
  /** The SHA-256 the client claims (Content-Digest), as hex: a body that does not match is not kept. */
  expectedSha256: string | undefined;
  customMetadata: Record<string, string>;
  httpMetadata: R2HTTPMetadata;
  onProgress?: (bytes: number) => void;
}


/**
 * The most an upload holds in memory at once: its read buffer (allocated whole, whatever the body's length), plus,
 * when the length is unknown, the part it is filling. Reserved before the body is read (uploadMemory.ts).
 */
export function uploadMemoryNeed(length: number | undefined, maxBytes: number): number {
  return length === undefined ? READ_BYTES + Math.min(PART_BYTES, maxBytes) : READ_BYTES;
}

/**
 * Reads a request body once, as it arrives: counts it against the limit (413 the moment it passes), hashes it with a
 * native DigestStream and stores it in R2 (one streamed put when the length is known, multipart when not). Each chunk
 * is handed to both and awaited, so a slow store slows the upload instead of piling it up in memory (a `tee()` here
 * buffered the gap: 473 MiB of memory for a 256 MiB upload into local R2). Nothing is kept unless the whole body
 * arrived and matched its claimed digest. The SHA-256 goes in a sidecar object, `meta/<key>`, since R2 metadata is
 * fixed before the body is read.
 */
export async function receiveUpload(body: ReadableStream<Uint8Array> | null, options: UploadOptions): Promise<UploadResult> {
  const hash = new crypto.DigestStream("SHA-256");
  hash.digest.catch(() => {}); // awaited below; rejects on purpose when the upload is aborted
  const hasher = hash.getWriter();
  const store = options.bucket ? openStore(options.bucket, options) : undefined;
  let bytes = 0;
  try {
    for await (const chunk of bodyChunks(body, options.idleMs)) {
      bytes += chunk.byteLength;
      if (bytes > options.maxBytes) {
        throw new HttpError(413, "body_too_large", `the body must be at most ${options.maxBytes} bytes`);
      }
      await Promise.all([hasher.write(chunk), store?.write(chunk)]);
      options.onProgress?.(bytes);
    }
    await hasher.close();
    const sha256 = toHex(await hash.digest);
    // Checked before the store is finished: a body that does not match never becomes an object.
    if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256) {
      throw new HttpError(400, "digest_mismatch", "the body does not match its Content-Digest");
    }
    await store?.finish();
    const result = { key: options.key, bytes, sha256, stored: store !== undefined };
    if (options.bucket) await options.bucket.put(metaKey(options.key), JSON.stringify(result));
    log(options.key, "complete", bytes);
    return result;
  } catch (error) {
    await Promise.allSettled([hasher.abort(error), store?.abort(error)]);
    log(options.key, error instanceof HttpError ? `refused ${error.status}` : "failed", bytes);
    throw error;
  }
}

/** One line per upload, however it ended: after it, nothing of a failed upload remains in R2. */
function log(key: string, outcome: string, bytes: number): void {
  console.log(JSON.stringify({ msg: "upload ended", route: "/api/upload", key, outcome, bytes }));
}

interface Store {
  write(chunk: Uint8Array): Promise<void>;
  finish(): Promise<void>;
  abort(reason: unknown): Promise<void>;
}

function openStore(bucket: R2Bucket, options: UploadOptions): Store {
  const metadata = { customMetadata: options.customMetadata, httpMetadata: options.httpMetadata };
  const key = fileKey(options.key);
  if (options.length !== undefined) {
    // Known length: one put, fed as the body arrives. FixedLengthStream gives R2 the length it needs up front.
    const fixed = new FixedLengthStream(options.length);
    const writer = fixed.writable.getWriter();
    const put = bucket.put(key, fixed.readable, metadata);
    put.catch(() => {}); // awaited in finish(); an aborted upload rejects it on purpose
    return {
      write: (chunk) => writer.write(chunk),
      finish: async () => {
        await writer.close();
        await put;
      },
      abort: (reason) => writer.abort(reason),
    };
  }
  // Unknown length: whole parts as they fill, a body smaller than one part a single put. The part is kept as copies
  // of the chunks that arrived (the read buffer is reused for the next chunk), so memory follows what was sent: a
  // 1-byte upload holds 1 byte, not a part.
  const writer = new PartWriter(bucket, key, metadata, { multipartId: null, parts: [], tail: undefined, holdParts: true });
  return {
    write: (chunk) => writer.write(chunk),
    finish: () => writer.finish(),
    abort: () => writer.abort(),
  };
}
