const LINE_BREAK = /\r\n|\r|\n/g;

/** Splits text that arrives in pieces into lines ending at LF, CRLF or CR; a line split across pieces waits for its end. */
export class LineDecoder {
  #rest = "";

  /** Returns the lines completed by this piece of text. */
  push(text: string): string[] {
    const buffer = this.#rest + text;
    const lines: string[] = [];
    let start = 0;
    LINE_BREAK.lastIndex = 0;
    for (let match; (match = LINE_BREAK.exec(buffer)); ) {
      // A CR at the very end may be the first half of a CRLF split across pieces: wait for the next one.
      if (match[0] === "\r" && match.index === buffer.length - 1) break;
      lines.push(buffer.slice(start, match.index));
      start = LINE_BREAK.lastIndex;
    }
    this.#rest = buffer.slice(start);
    return lines;
  }

  /** Returns what is left at the end of the input: a last line that had no line break, if any. */
  flush(): string[] {
    const rest = this.#rest;
    this.#rest = "";
    if (rest === "") return [];
    return [rest.endsWith("\r") ? rest.slice(0, -1) : rest];
  }
}
