import { drainBody } from "./drainBody";
import { HttpError } from "../streams/HttpError";

/** Reads a JSON request body of at most `maxBytes`: 415 if it is not JSON, 413 as soon as it is too large
 * (the rest drained, so the 413 reaches the client). */
export async function readJSON(request: Request, maxBytes: number): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "the body must be application/json");
  }
  const tooLarge = () => new HttpError(413, "body_too_large", `the body must be at most ${maxBytes} bytes`);
  const length = request.headers.get("content-length");
  if (Number(length ?? 0) > maxBytes) throw tooLarge();
  // A declared length within the limit is the body's length (HTTP framing holds it to that): read it in one call.
  const text = length !== null && /^\d+$/.test(length) ? await request.text() : await readCapped(request, maxBytes, tooLarge);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "bad_json", "the body is not valid JSON");
  }
}

/** A body of unknown length (chunked), counted as it arrives and refused as soon as it passes `maxBytes`. */
async function readCapped(request: Request, maxBytes: number, tooLarge: () => HttpError): Promise<string> {
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let step = await reader?.read(); step && !step.done; step = await reader!.read()) {
    size += step.value.byteLength;
    if (size > maxBytes) {
      reader!.releaseLock();
      await drainBody(request.body!);
      throw tooLarge();
    }
    chunks.push(step.value);
  }
  return new TextDecoder().decode(await new Blob(chunks).arrayBuffer());
}
