import { asHttpError, type HttpError } from "../../streams/HttpError";

/** Anthropic's error types, by the status each is sent with. */
const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

// The upstream is down, failing, silent or unreachable: Anthropic's clients know this as overloaded (529), and retry.
const UPSTREAM_DOWN = new Set(["upstream_unreachable", "upstream_unavailable", "upstream_timeout", "upstream_failed", "upstream_cut"]);

/** An error as Anthropic sends it: its status and `{type: "error", error: {type, message}}`. Never internal text. */
export function anthropicError(error: HttpError): { status: number; body: { type: "error"; error: { type: string; message: string } } } {
  const status = UPSTREAM_DOWN.has(error.code) ? 529 : error.status === 422 ? 400 : TYPES[error.status] ? error.status : 500;
  return { status, body: { type: "error", error: { type: TYPES[status]!, message: error.message } } };
}

/** The error type of a failure after the stream started, from its code: the upstream going down is `overloaded_error`. */
export function streamErrorType(code: string): string {
  return UPSTREAM_DOWN.has(code) ? "overloaded_error" : "api_error";
}

/**
 * A handler whose errors reach Anthropic's clients in Anthropic's shape, status and headers (`Retry-After`,
 * `WWW-Authenticate`) kept: the SDKs throw their typed errors from exactly this.
 */
export function withAnthropicErrors<R extends Request, A extends unknown[]>(handler: (request: R, ...rest: A) => Promise<Response>) {
  return async (request: R, ...rest: A): Promise<Response> => {
    try {
      return await handler(request, ...rest);
    } catch (thrown) {
      const error = asHttpError(thrown);
      const { status, body } = anthropicError(error);
      return Response.json(body, { status, headers: error.headers });
    }
  };
}
