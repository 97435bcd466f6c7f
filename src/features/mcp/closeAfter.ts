/**
 * A stream closed on purpose `ms` after its first chunk (MCP's polling, SEP-1699): the client, told by `retry` when to
 * come back, resumes with `Last-Event-ID` and misses nothing, since the call's records are durable. The chunks pass
 * through as they come (JavaScript per chunk: only a polled call pays it); closing cancels the source, which stops
 * nothing but this reader.
 */
export function closeAfter(body: ReadableStream<Uint8Array>, ms: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closing = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (error) {
        // The source cancelled by the timer fails the read waiting on it: this stream still ends cleanly.
        if (!closing) throw error;
        step = { done: true, value: undefined };
      }
      if (step.done) {
        clearTimeout(timer);
        controller.close();
        return;
      }
      controller.enqueue(step.value);
      timer ??= setTimeout(() => {
        closing = true;
        reader.cancel().catch(() => {});
      }, ms);
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
}
