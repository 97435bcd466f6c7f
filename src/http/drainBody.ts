// Past this, a refused body is cut instead: its client then sees a reset, not the refusal.
const DRAIN_MS = 30_000;

/**
 * Reads the rest of a request body that was refused part-way, and throws it away. Cancelling the body instead resets
 * the connection before the refusal can leave: locally no response is sent until the request body has fully arrived
 * (measured: curl saw only `100 Continue`, undici threw ECONNRESET). The bytes go into a native DigestStream, which
 * keeps none of them and runs no JavaScript per chunk. A body left untouched needs none of this: the runtime drains it.
 */
export async function drainBody(body: ReadableStream<Uint8Array>): Promise<void> {
  const cut = new AbortController();
  const timer = setTimeout(() => cut.abort(), DRAIN_MS);
  try {
    await discard(body, cut.signal);
  } catch {
    // The client left, or took too long: nothing to deliver to.
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a body to its end and keeps none of it, natively: piped into a DigestStream whose digest is never read. */
export async function discard(body: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<void> {
  const sink = new crypto.DigestStream("SHA-256");
  sink.digest.catch(() => {}); // never read; rejects when the pipe fails
  await body.pipeTo(sink, { signal });
}
