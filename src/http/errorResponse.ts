import { asHttpError } from "../streams/HttpError";

/** The JSON error response of the contract: `{ "error": { "message", "code" } }` with its status. */
export function errorResponse(error: unknown): Response {
  const { status, code, message, headers } = asHttpError(error);
  return Response.json({ error: { message, code } }, { status, headers });
}
