/** A stream that failed: an error response, an error record, or a stream cut before its end record. */
export class StreamError extends Error {
  constructor(
    message: string,
    /** The server's error code, or `cut` when the stream stopped without its end record. */
    readonly code: string,
    /** The HTTP status, when the failure was an error response. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "StreamError";
  }
}

/** The error for a stream that ended without its end record. */
export function cutError(): StreamError {
  return new StreamError("the stream ended before its end record: it was cut", "cut");
}

/** The error for a record that is not JSON in the middle of a stream. */
export function badRecordError(text: string): StreamError {
  return new StreamError(`a record is not JSON: ${JSON.stringify(text.slice(0, 80))}`, "bad_record");
}
