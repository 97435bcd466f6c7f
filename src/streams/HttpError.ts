/** An error with an HTTP status: a status code before a stream starts, the stream's error record after. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Turns anything thrown into an HttpError; an unexpected error is logged here and its text never sent. */
export function asHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  console.error(JSON.stringify({ msg: "unexpected error", error: String(error), stack: (error as Error)?.stack }));
  return new HttpError(500, "internal_error", "internal error");
}
