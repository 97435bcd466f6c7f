/** Chunks as one stream of known length, which R2 needs, without copying them into one buffer. */
export function streamOf(chunks: Uint8Array[], length: number): ReadableStream<Uint8Array> {
  let next = 0;
  const source = new ReadableStream<Uint8Array>({
    pull: (controller) => (next < chunks.length ? controller.enqueue(chunks[next++]!) : controller.close()),
  });
  return source.pipeThrough(new FixedLengthStream(length));
}
