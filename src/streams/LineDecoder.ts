const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * Splits text that arrives in pieces into lines ending at LF, CRLF or CR. Only new text is scanned and an
 * unfinished line is kept as pieces, so a line of megabytes in small chunks costs linear time.
 */
export class LineDecoder {
  #pieces: string[] = [];
  // The last piece ended with CR: an LF starting the next one is the rest of that CRLF.
  #afterCR = false;

  /** Returns the lines this piece of text completes. */
  push(text: string): string[] {
    const lines: string[] = [];
    let start = this.#afterCR && text.startsWith("\n") ? 1 : 0;
    if (text !== "") this.#afterCR = false;
    LINE_BREAK.lastIndex = start;
    for (let match; (match = LINE_BREAK.exec(text)); ) {
      // Most lines arrive whole: only a line begun in an earlier piece is joined.
      if (this.#pieces.length === 0) lines.push(text.slice(start, match.index));
      else {
        this.#pieces.push(text.slice(start, match.index));
        lines.push(this.#pieces.join(""));
        this.#pieces = [];
      }
      start = LINE_BREAK.lastIndex;
      if (match[0] === "\r" && start === text.length) this.#afterCR = true;
    }
    if (start < text.length) this.#pieces.push(text.slice(start));
    return lines;
  }

  /** Returns what is left at the end of the input: a last line that had no line break, if any. */
  flush(): string[] {
    const rest = this.#pieces.join("");
    this.#pieces = [];
    this.#afterCR = false;
    return rest === "" ? [] : [rest];
  }
}
