/**
 * Decodes a byte stream into text, one piece per read; characters split across reads are joined.
 * Leaving the loop early, or `signal` aborting, cancels the body, which aborts the request.
 */
export async function* readText(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string, void> {
  const reader = body.getReader();
  // A generator stuck awaiting a read cannot run its `finally` until the read ends: the abort ends it.
  const cancel = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", cancel, { once: true });
  const decoder = new TextDecoder();
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield decoder.decode(value, { stream: true });
    }
    finished = !signal?.aborted;
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    signal?.removeEventListener("abort", cancel);
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
