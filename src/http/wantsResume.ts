/** `?resume=1` (or `true`) on the URL, or `"resume": true` in a JSON body: the caller asks for a durable stream. */
export function wantsResume(request: Request, body?: unknown): boolean {
  const flag = new URL(request.url).searchParams.get("resume");
  return flag === "1" || flag === "true" || (body as { resume?: unknown } | undefined)?.resume === true;
}
