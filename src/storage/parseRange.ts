/** What a Range header asks of a representation: one satisfiable range, none at all (serve it whole), or 416. */
export type RangeRequest = { offset: number; length: number } | "unsatisfiable" | undefined;

/**
 * Reads a `Range: bytes=…` header against a body of `size` bytes (RFC 9110 §14.1.2), here rather than by the store, so
 * the answer is the same locally and at the edge. A syntax error, another unit, or several ranges (we send no
 * multipart/byteranges) are ignored, as the RFC allows: the whole body. A range starting past the end, or a zero
 * suffix, is unsatisfiable.
 */
export function parseRange(header: string | null, size: number): RangeRequest {
  const match = header === null ? null : /^bytes=[ \t]*(\d*)-(\d*)[ \t]*$/i.exec(header);
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  const [first, last] = [match[1], match[2]].map((n) => (n === "" ? undefined : Number(n)));
  if (first === undefined) {
    // A suffix: the last `last` bytes.
    if (last === 0 || size === 0) return "unsatisfiable";
    const length = Math.min(last!, size);
    return { offset: size - length, length };
  }
  if (last !== undefined && last < first) return undefined;
  if (first >= size) return "unsatisfiable";
  const end = Math.min(last ?? size - 1, size - 1);
  return { offset: first, length: end - first + 1 };
}
