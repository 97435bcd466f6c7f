/** The UTF-8 length of a string, without encoding it: what a byte cap counts. JSON text has no lone surrogates. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Code units below 0x80 take one byte; below 0x800 two; each half of a surrogate pair two (four for the pair); else three.
    if (code >= 0x80) bytes += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}
