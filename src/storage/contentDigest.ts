import { HttpError } from "../streams/HttpError";

/**
 * The SHA-256 a `Content-Digest` header (RFC 9530) claims, as hex; undefined when the header is absent or names no
 * sha-256. A sha-256 entry that is not a base64 SHA-256 is a 400.
 */
export function claimedSha256(header: string | null): string | undefined {
  if (header === null) return undefined;
  const entry = header.split(",").map((part) => part.trim()).find((part) => /^sha-256=/i.test(part));
  if (entry === undefined) return undefined;
  // 32 bytes are exactly 44 base64 characters, the last of them padding: anything else is not a SHA-256.
  const base64 = /^sha-256=:([A-Za-z0-9+/]{43}=):$/i.exec(entry)?.[1];
  if (!base64) throw new HttpError(400, "bad_digest", "Content-Digest: sha-256 must be :base64 of 32 bytes:");
  return toHex(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}

/** A `Content-Digest` / `Repr-Digest` value for a SHA-256 given as hex. */
export function digestHeader(sha256Hex: string): string {
  const bytes = Uint8Array.from(sha256Hex.match(/../g) ?? [], (h) => parseInt(h, 16));
  return `sha-256=:${toBase64(bytes)}:`;
}

/** Bytes as base64 (a digest's: small enough to spread into one call). */
export function toBase64(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

/** Bytes as lowercase hex. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
