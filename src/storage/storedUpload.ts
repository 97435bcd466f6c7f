import { HttpError } from "../streams/HttpError";
import { digestHeader } from "./contentDigest";
import { downloadHeaders } from "./downloadHeaders";
import { parseRange } from "./parseRange";
import { ifRangeHolds, preconditionStatus } from "./preconditions";

/**
 * What a stored upload is: its key, size and SHA-256 (hex). The bytes are at `files/<key>` in R2 and this record at
 * `meta/<key>` (the sidecar: R2 metadata is fixed before the body is read, the digest known only after); an upload
 * exists once both do. /api/upload and tus store them alike, so either's uploads are served the same way.
 */
export interface UploadResult {
  key: string;
  bytes: number;
  sha256: string;
  stored: boolean;
}

export const fileKey = (key: string) => `files/${key}`;
export const metaKey = (key: string) => `meta/${key}`;

/** The UPLOADS binding; a Worker deployed without it answers 500 bad_config rather than failing mid-request. */
export function uploadsBucket(env: Env): R2Bucket {
  if (!env.UPLOADS) throw new HttpError(500, "bad_config", "the UPLOADS R2 binding is missing: see wrangler.toml");
  return env.UPLOADS;
}

/** A random UUID, as uploads are keyed; anything else is no upload. */
export function isUploadKey(key: string | undefined): key is string {
  return key !== undefined && /^[0-9a-f-]{36}$/.test(key);
}

/**
 * GET|HEAD of a stored upload: streamed back from R2, always as a download that cannot run on this origin
 * (downloadHeaders.ts), with Content-Length, ETag, Last-Modified, conditional requests (304/412), one Range (206/416)
 * and its digest: Content-Digest for the whole body, Repr-Digest for a range (RFC 9530: the digest is of the whole).
 * An upload older than `keepMs` is gone: undefined, and deleted now if the bucket's lifecycle rule has not yet.
 */
export async function serveUpload(request: Request, bucket: R2Bucket, key: string, keepMs: number, ctx: ExecutionContext): Promise<Response | undefined> {
  const [object, meta] = await Promise.all([
    bucket.head(fileKey(key)),
    bucket.get(metaKey(key)).then((m) => (m ? (m.json() as Promise<UploadResult>) : undefined)),
  ]);
  if (!object || !meta) return undefined;
  if (Date.now() - object.uploaded.getTime() > keepMs) {
    ctx.waitUntil(bucket.delete([fileKey(key), metaKey(key)]));
    return undefined;
  }
  const validators = { etag: object.httpEtag, lastModified: object.uploaded };
  const headers = new Headers({
    etag: object.httpEtag,
    "last-modified": object.uploaded.toUTCString(),
    "accept-ranges": "bytes",
    ...downloadHeaders(object.httpMetadata?.contentType, object.customMetadata?.name),
  });
  const status = preconditionStatus(request.headers, validators);
  if (status) return new Response(null, { status, headers });
  // Ranges are read here, not left to R2, so the answers are the same locally and at the edge.
  const range = request.method === "GET" && ifRangeHolds(request.headers, validators) ? parseRange(request.headers.get("range"), object.size) : undefined;
  if (range === "unsatisfiable") {
    throw new HttpError(416, "range_not_satisfiable", "the range is outside the upload", { "content-range": `bytes */${object.size}` });
  }
  if (!range) {
    headers.set("content-digest", digestHeader(meta.sha256));
    headers.set("content-length", String(object.size));
    if (request.method === "HEAD") return new Response(null, { headers });
  } else {
    headers.set("repr-digest", digestHeader(meta.sha256));
    headers.set("content-length", String(range.length));
    headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${object.size}`);
  }
  // Keys are random and never rewritten, so the object read is the one whose headers were just checked.
  const body = await bucket.get(fileKey(key), range ? { range } : {});
  if (!body) return undefined;
  return new Response(body.body, { status: range ? 206 : 200, headers });
}

/** Deletes a stored upload and its sidecar; false when there was neither. */
export async function deleteUpload(bucket: R2Bucket, key: string): Promise<boolean> {
  const [object, meta] = await Promise.all([bucket.head(fileKey(key)), bucket.head(metaKey(key))]);
  if (!object && !meta) return false;
  await bucket.delete([fileKey(key), metaKey(key)]);
  return true;
}
