import { bodyChunks } from "../../storage/bodyChunks";
import type { RecordLog } from "../../streams/durable/RecordLog";
import { HttpError } from "../../streams/HttpError";
import { utf8Length } from "../../streams/utf8Length";
import { fromBase64, toBase64 } from "./base64";
import type { ContentMode } from "./contentMode";

// A long bytes append is recorded in parts of this size (a multiple of 3: its base64 has no padding), each written
// as it arrives, so an append of any size holds one part in memory.
const RECORD_BYTES = 192 * 1024;

/** A request body whose first chunk has been read, to tell an empty body (a close) from an append before anything else. */
export class PeekedBody {
  readonly #chunks: AsyncGenerator<Uint8Array>;
  #first: Uint8Array | undefined;
  /** The Content-Length the client sent, if any: a body that ends short of it was cut, not finished. */
  readonly length: number | undefined;

  private constructor(chunks: AsyncGenerator<Uint8Array>, first: Uint8Array | undefined, length: number | undefined) {
    this.#chunks = chunks;
    this.#first = first;
    this.length = length;
  }

  static async of(request: Request, idleMs: number): Promise<PeekedBody> {
    const chunks = bodyChunks(request.body, idleMs);
    const step = await chunks.next();
    const length = request.headers.get("content-length");
    // Copied: the chunk's buffer is reused by the next read.
    return new PeekedBody(chunks, step.done ? undefined : step.value.slice(), length === null ? undefined : Number(length));
  }

  /** Whether the body had nothing in it (asked before its chunks are taken). */
  get empty(): boolean {
    return this.#first === undefined;
  }

  /** Stops reading: the rest is drained by the generator, so a refusal reaches the client. */
  async close(): Promise<void> {
    await this.#chunks.return(undefined);
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    if (this.#first) yield this.#first;
    this.#first = undefined;
    yield* this.#chunks;
  }
}

/** What an append may add, given what the stream holds. */
export interface AppendRoom {
  /** Records and bytes the stream holds now. */
  seq: number;
  bytes: number;
  maxMessages: number;
  maxBytes: number;
  maxJsonAppendBytes: number;
}

/**
 * Records a body's content in the log after what it holds: JSON as messages (an array is flattened one level; an empty
 * one is refused unless `emptyArray`), anything else as bytes, in parts. Returns the stream's size after it. What it
 * recorded is flushed but not yet committed: on a refusal it is dropped again, and the error thrown.
 */
export async function appendBody(body: PeekedBody, mode: ContentMode, log: RecordLog, room: AppendRoom, emptyArray = false): Promise<number> {
  const before = room.bytes;
  let bytes = room.bytes;
  const take = (json: string, size: number) => {
    if (log.seq + 1 > room.maxMessages || bytes + size > room.maxBytes) {
      throw new HttpError(413, "stream_full", `the stream may hold ${room.maxMessages} messages and ${room.maxBytes} bytes`);
    }
    bytes += size;
    log.append(json, size);
    log.flush();
  };
  try {
    if (mode === "json") {
      for (const json of await jsonMessages(body, room.maxJsonAppendBytes, emptyArray)) take(json, utf8Length(json));
      return bytes;
    }
    // One buffer for the whole append: each part is encoded (copied into a string) before the buffer is reused.
    const part = new Uint8Array(RECORD_BYTES);
    let filled = 0;
    for await (const chunk of body.chunks()) {
      for (let at = 0; at < chunk.byteLength; ) {
        const n = Math.min(chunk.byteLength - at, RECORD_BYTES - filled);
        part.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === RECORD_BYTES) {
          take(JSON.stringify(toBase64(part)), filled);
          filled = 0;
        }
      }
    }
    if (filled > 0) take(JSON.stringify(toBase64(part.subarray(0, filled))), filled);
    if (body.length !== undefined && bytes - before !== body.length) {
      throw new HttpError(400, "body_cut", "the body ended before its Content-Length: nothing of it was kept");
    }
    return bytes;
  } catch (error) {
    log.dropAfter(room.seq);
    await body.close();
    throw error;
  }
}

/** A JSON body's messages, each as JSON text: the body read whole (at most `maxBytes`), checked, one level flattened. */
async function jsonMessages(body: PeekedBody, maxBytes: number, emptyArray: boolean): Promise<string[]> {
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for await (const chunk of body.chunks()) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new HttpError(413, "append_too_large", `a JSON append may be at most ${maxBytes} bytes`);
    text += decoder.decode(chunk, { stream: true });
  }
  text += decoder.decode();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_json", "the body is not valid JSON");
  }
  if (!Array.isArray(value)) return [JSON.stringify(value)];
  if (value.length === 0 && !emptyArray) throw new HttpError(400, "empty_array", "an append of an empty JSON array adds nothing");
  return value.map((message) => JSON.stringify(message));
}

/** The size a record counts for: a JSON message's UTF-8 bytes, or the bytes a base64 record holds. */
export function recordSize(mode: ContentMode, json: string): number {
  if (mode === "json") return utf8Length(json);
  const base64 = json.length - 2;
  return (base64 / 4) * 3 - (json.endsWith('=="') ? 2 : json.endsWith('="') ? 1 : 0);
}

/** The first `n` bytes of a base64 record, as a record. */
export function headOf(json: string, n: number): string {
  return JSON.stringify(toBase64(fromBase64(JSON.parse(json) as string).subarray(0, n)));
}
