/**
 * A plain Request with the router's request's method, URL, headers and body, for a Durable Object's `fetch`: the
 * router's request object is a proxy, which does not cross to an object, and which throws on reading a null body.
 */
export function forwardable(request: Request): Request {
  let body: ReadableStream | null = null;
  try {
    body = request.body;
  } catch {
    // No body (the proxy's getter fails on null).
  }
  return new Request(request.url, { method: request.method, headers: request.headers, body });
}
