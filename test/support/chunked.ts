import type { JSONLReader } from "../../src/client/readJSONL";

/** The bytes of `text` cut at the given byte offsets, as a fetch body would deliver them. */
export function cutBytes(text: string, offsets: number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const cuts = [0, ...offsets, bytes.length];
  return cuts.slice(1).map((end, i) => bytes.subarray(cuts[i], end));
}

/** The bytes of `text` in pieces of `size` bytes. */
export function piecesOf(text: string, size: number): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
}

/** A 200 response whose body delivers exactly these chunks; `cancelled` resolves if the reader cancels it. */
export function responseOf(chunks: Uint8Array[], init?: ResponseInit): { response: Response; cancelled: Promise<void> } {
  let onCancel!: () => void;
  const cancelled = new Promise<void>((resolve) => (onCancel = resolve));
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++]!);
      else controller.close();
    },
    cancel: () => onCancel(),
  });
  return { response: new Response(body, init), cancelled };
}

/** Collects an async iterator's values and its return value. */
export async function drain<T, R>(iterator: AsyncIterator<T, R>): Promise<{ values: T[]; result: R }> {
  const values: T[] = [];
  for (;;) {
    const step = await iterator.next();
    if (step.done) return { values, result: step.value };
    values.push(step.value);
  }
}

/** All of a JSON Lines reader's records and its end record's summary. */
export async function readAll<T>(reader: JSONLReader<T>): Promise<{ values: T[]; result: unknown }> {
  const values = await reader.all();
  return { values, result: await reader.summary };
}
