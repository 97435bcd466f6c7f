/** Adds the headers every response carries. */
export function withSecurityHeaders(response: Response): Response {
  response.headers.set("x-content-type-options", "nosniff");
  return response;
}
