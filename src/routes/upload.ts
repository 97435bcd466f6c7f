import type { IRequest } from "itty-router";
import { settings } from "../settings";
import { HttpError } from "../streams/HttpError";
import { admitCostly } from "../http/admitCostly";
import { requireToken } from "../http/requireToken";
import { jsonl, text } from "../streams/framing";
import { negotiate } from "../streams/negotiate";
import { pushStream } from "../streams/pushStream";
import { canonicalType } from "../upload/canonicalType";
import { claimedSha256, digestHeader } from "../upload/contentDigest";
import { downloadHeaders } from "../upload/downloadHeaders";
import { parseRange } from "../upload/parseRange";
import { ifRangeHolds, preconditionStatus } from "../upload/preconditions";
import { receiveUpload, uploadMemoryNeed, type UploadResult } from "../upload/receiveUpload";
import { reserveUploadMemory } from "../upload/uploadMemory";

// With Accept: application/jsonl, a progress record every this many bytes.
const PROGRESS_BYTES = 1024 * 1024;

/**
 * POST|PUT /api/upload?name=: the raw body, consumed as a stream: counted, hashed, stored in R2. Answers
 * `{ key, bytes, sha256, stored }` (201 when stored); with Accept: application/jsonl, `{"received": n}` records as
 * the body arrives, then the result. Everything that can be refused from the headers (rate limit, token, declared
 * length, name, digest, type, memory) is refused before a byte is read, and a body left unread still lets the refusal reach the client.
 * It stores a caller's bytes: rate limited, and closed without API_TOKEN unless ALLOW_ANONYMOUS is true.
 */
export async function upload(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  await admitCostly(request, env, { guarded: true });
  const config = settings(env).upload;
  // A malformed request is a 400 whatever its size; then the declared size.
  const name = new URL(request.url).searchParams.get("name") ?? "";
  if (name.length > 256) throw new HttpError(400, "bad_request", "name must be at most 256 characters");
  const expectedSha256 = claimedSha256(request.headers.get("content-digest"));
  const contentType = canonicalType(request.headers.get("content-type"));
  const declared = request.headers.get("content-length");
  const length = declared === null ? undefined : Number(declared);
  if (length !== undefined && length > config.maxBytes) {
    throw new HttpError(413, "body_too_large", `the body must be at most ${config.maxBytes} bytes`);
  }
  const release = reserveUploadMemory(uploadMemoryNeed(length, config.maxBytes), config.memoryBytes);
  const key = crypto.randomUUID();
  const receive = (onProgress?: (bytes: number) => void) =>
    receiveUpload(request.body, {
      bucket: env.UPLOADS,
      key,
      length,
      maxBytes: config.maxBytes,
      idleMs: config.idleMs,
      expectedSha256,
      customMetadata: name ? { name } : {},
      httpMetadata: { contentType },
      onProgress,
    }).finally(release);

  if (negotiate(request.headers.get("accept"), text).framing !== jsonl) {
    const result = await receive();
    return Response.json(result, { status: result.stored ? 201 : 200, headers: location(result) });
  }
  const { heartbeatMs } = settings(env);
  const stream = pushStream(request, { route: request.route, format: jsonl, heartbeatMs, ctx });
  let next = PROGRESS_BYTES;
  receive((bytes) => {
    if (bytes < next) return;
    stream.send({ received: bytes });
    next = bytes + PROGRESS_BYTES;
  }).then(
    (result) => {
      stream.send(result);
      stream.close();
    },
    (error: unknown) => stream.throw(error),
  );
  return stream.response;
}

/**
 * GET|HEAD /api/upload/:key: a stored upload streamed back from R2, always as a download that cannot run on this
 * origin (downloadHeaders.ts), with Content-Length, ETag, Last-Modified, conditional requests (304/412), one Range
 * (206/416) and its digest: Content-Digest for the whole body, Repr-Digest for a range (RFC 9530: the digest is of the whole).
 * An upload older than UPLOAD_KEEP_DAYS is gone: 404, and deleted now if the bucket's lifecycle rule has not yet.
 */
export async function download(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  await requireToken(request, env, { guarded: true });
  const bucket = uploadsBucket(env);
  const key = uploadKey(request);
  const [object, meta] = await Promise.all([
    bucket.head(`files/${key}`),
    bucket.get(`meta/${key}`).then((m) => (m ? (m.json() as Promise<UploadResult>) : undefined)),
  ]);
  if (!object || !meta) throw notFound();
  if (Date.now() - object.uploaded.getTime() > settings(env).upload.keepMs) {
    ctx.waitUntil(bucket.delete([`files/${key}`, `meta/${key}`]));
    throw notFound();
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
  const body = await bucket.get(`files/${key}`, range ? { range } : {});
  if (!body) throw notFound();
  return new Response(body.body, { status: range ? 206 : 200, headers });
}

/** DELETE /api/upload/:key: the upload and its digest sidecar deleted; 204, or 404 when there is none. */
export async function removeUpload(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, env, { guarded: true });
  const bucket = uploadsBucket(env);
  const key = uploadKey(request);
  const [object, meta] = await Promise.all([bucket.head(`files/${key}`), bucket.head(`meta/${key}`)]);
  if (!object && !meta) throw notFound();
  await bucket.delete([`files/${key}`, `meta/${key}`]);
  console.log(JSON.stringify({ msg: "upload deleted", route: "/api/upload", key }));
  return new Response(null, { status: 204 });
}

/** The UPLOADS binding; a Worker deployed without it answers 500 bad_config rather than failing mid-request. */
export function uploadsBucket(env: Env): R2Bucket {
  if (!env.UPLOADS) throw new HttpError(500, "bad_config", "the UPLOADS R2 binding is missing: see wrangler.toml");
  return env.UPLOADS;
}

/** The :key of an upload route: a random UUID, or 404. */
function uploadKey(request: IRequest): string {
  const key = request.params.key ?? "";
  if (!/^[0-9a-f-]{36}$/.test(key)) throw notFound();
  return key;
}

function notFound(): HttpError {
  return new HttpError(404, "not_found", "no upload by that key");
}

function location(result: UploadResult): Record<string, string> {
  return result.stored ? { location: `/api/upload/${result.key}` } : {};
}
