const LINE_SEPARATORS = /[\u2028\u2029]/g;

/** JSON text on one line, with U+2028/U+2029 escaped: some line splitters treat them as line ends. */
export function stringifyLine(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`a stream record must be a JSON value, got ${typeof value}`);
  return json.replace(LINE_SEPARATORS, (c) => (c === "\u2028" ? "\\u2028" : "\\u2029"));
}

/** Encodes one JSON Lines record. */
export function encodeJSONL(value: unknown): string {
  return stringifyLine(value) + "\n";
}
