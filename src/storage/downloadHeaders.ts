import { canonicalType } from "./canonicalType";

// Types served as they were uploaded; anything else (HTML, SVG, XML, JavaScript…) is served as opaque bytes.
const SAFE_TYPES = new Set([
  "application/octet-stream", "application/json", "application/pdf", "text/plain", "text/csv",
  "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif",
  "audio/mpeg", "audio/ogg", "audio/wav", "video/mp4", "video/webm",
]);

/**
 * The headers that keep an upload from ever running as a page of this origin, where it could read the page's token
 * and call the API as the user: always a download (`Content-Disposition: attachment`, the stored name RFC 6266-encoded),
 * a sandbox with no scripts should a browser render it anyway, and a type off the short safe list served as bytes.
 */
export function downloadHeaders(contentType: string | undefined, name: string | undefined): Record<string, string> {
  // Stored canonical already; read again so an object stored any other way is served by the same rule.
  let type = "application/octet-stream";
  try {
    type = canonicalType(contentType);
  } catch {
    // Not one clean type: served as bytes.
  }
  return {
    "content-type": SAFE_TYPES.has(type.split(";")[0]!) ? type : "application/octet-stream",
    "content-disposition": attachment(name),
    "content-security-policy": "sandbox",
  };
}

/** `attachment`, with the name as an ASCII fallback and in full as RFC 8187 UTF-8 (`filename*`). */
function attachment(name: string | undefined): string {
  if (!name) return "attachment";
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
