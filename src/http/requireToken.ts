import { HttpError } from "./HttpError";

const encoder = new TextEncoder();

/** With a token configured, demands `Authorization: Bearer <token>`; compared in constant time. Reads no body. */
export async function requireToken(request: Request, token: string | undefined): Promise<void> {
  if (token === undefined) return;
  const given = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
  // Digests first: timingSafeEqual needs equal lengths, and comparing digests hides the token's length too.
  const [a, b] = await Promise.all([given, token].map((s) => crypto.subtle.digest("SHA-256", encoder.encode(s))));
  if (!crypto.subtle.timingSafeEqual(a!, b!)) {
    throw new HttpError(401, "unauthorized", "a valid bearer token is required", { "www-authenticate": "Bearer" });
  }
}
