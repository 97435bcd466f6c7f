import { StreamError } from "./StreamError";

/** Throws the error response's `{ error: { message, code } }` as a StreamError; returns the body of a good one. */
export async function okBody(response: Response): Promise<ReadableStream<Uint8Array>> {
  if (response.ok && response.body) return response.body;
  let message = `HTTP ${response.status}`;
  let code = "http_error";
  try {
    const { error } = (await response.json()) as { error?: { message?: string; code?: string } };
    if (error?.message) message = error.message;
    if (error?.code) code = error.code;
  } catch {
    // Not the JSON error shape: the status says enough.
  }
  throw new StreamError(message, code, response.status);
}
