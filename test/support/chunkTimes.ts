import { readLines } from "../../src/streams/readLines";

/**
 * Reads an /api/chunks body: when the first line was read here, and when the Worker says it made the last one.
 * Lines are `chunk N/count <ISO time>`.
 */
export async function chunkTimes(body: ReadableStream<Uint8Array>) {
  const lines = readLines(body);
  const first = (await lines.next()).value!;
  const firstReadAt = Date.now();
  const rest: string[] = [];
  for await (const line of lines) rest.push(line);
  const lastMadeAt = Date.parse(rest.at(-1)!.split(" ")[2]!);
  return { first, rest, firstReadAt, lastMadeAt };
}
