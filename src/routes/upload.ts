import type { IRequest } from "itty-router";
import { integerVar, readConfig } from "../config";
import { HttpError } from "../http/HttpError";
import { requireToken } from "../http/requireToken";
import { negotiate } from "../streams/negotiate";
import { pushStream } from "../streams/pushStream";
import { claimedSha256, digestHeader } from "../upload/contentDigest";
import { receiveUpload, type UploadResult } from "../upload/receiveUpload";

// With Accept: application/jsonl, a progress record every this many bytes.
const PROGRESS_BYTES = 1024 * 1024;

/**
 * POST|PUT /api/upload?name=: the raw body, consumed as a stream: counted, hashed, stored in R2. Answers
 * `{ key, bytes, sha256, stored }` (201 when stored); with Accept: application/jsonl, `{"received": n}` records as
 * the body arrives, then the result. A declared Content-Length over UPLOAD_MAX_BYTES is refused before a byte is read.
 */
export async function upload(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  await requireToken(request, env.API_TOKEN || undefined);
  const maxBytes = integerVar(env, "UPLOAD_MAX_BYTES", 0, 5 * 1024 ** 3, 100 * 1024 * 1024);
  const declared = request.headers.get("content-length");
  const length = declared === null ? undefined : Number(declared);
  if (length !== undefined && length > maxBytes) {
    await request.body?.cancel();
    throw new HttpError(413, "body_too_large", `the body must be at most ${maxBytes} bytes`);
  }
  const name = new URL(request.url).searchParams.get("name") ?? "";
  if (name.length > 256) throw new HttpError(400, "bad_request", "name must be at most 256 characters");
  const key = crypto.randomUUID();
  const receive = (onProgress?: (bytes: number) => void) =>
    receiveUpload(request.body, {
      bucket: env.UPLOADS,
      key,
      length,
      maxBytes,
      expectedSha256: claimedSha256(request.headers.get("content-digest")),
      customMetadata: name ? { name } : {},
      httpMetadata: { contentType: request.headers.get("content-type") ?? "application/octet-stream" },
      onProgress,
    });

  if (negotiate(request.headers.get("accept"), "text").format !== "jsonl") {
    const result = await receive();
    return Response.json(result, { status: result.stored ? 201 : 200, headers: location(result) });
  }
  const { heartbeatMs } = readConfig(env);
  const stream = pushStream(request, { route: "/api/upload", format: "jsonl", heartbeatMs, ctx });
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
 * GET|HEAD /api/upload/:key: a stored upload streamed back from R2, with Content-Length, ETag, Range (206) and its
 * digest: Content-Digest for the whole body, Repr-Digest for a range (RFC 9530: the digest is of the whole).
 */
export async function download(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, env.API_TOKEN || undefined);
  const key = request.params.key ?? "";
  const notFound = new HttpError(404, "not_found", "no upload by that key");
  if (!env.UPLOADS || !/^[0-9a-f-]{36}$/.test(key)) throw notFound;
  const head = request.method === "HEAD";
  const [object, meta] = await Promise.all([
    head ? env.UPLOADS.head(`files/${key}`) : getRange(env.UPLOADS, `files/${key}`, request.headers),
    env.UPLOADS.get(`meta/${key}`).then((m) => (m ? (m.json() as Promise<UploadResult>) : undefined)),
  ]);
  if (!object || !meta) throw notFound;
  const headers = new Headers({ etag: object.httpEtag, "accept-ranges": "bytes" });
  object.writeHttpMetadata(headers);
  if (head) {
    headers.set("content-length", String(object.size));
    headers.set("content-digest", digestHeader(meta.sha256));
    return new Response(null, { headers });
  }
  // R2 answers a failed precondition with the object's metadata and no body.
  if (!("body" in object)) return new Response(null, { status: request.headers.has("if-none-match") ? 304 : 412, headers });
  const body = (object as R2ObjectBody).body;
  const range = object.range as { offset: number; length: number } | undefined;
  if (range && request.headers.has("range")) {
    headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${object.size}`);
    headers.set("content-length", String(range.length));
    headers.set("repr-digest", digestHeader(meta.sha256));
    return new Response(body, { status: 206, headers });
  }
  headers.set("content-digest", digestHeader(meta.sha256));
  headers.set("content-length", String(object.size));
  return new Response(body, { headers });
}

async function getRange(bucket: R2Bucket, key: string, headers: Headers) {
  try {
    return await bucket.get(key, { range: headers, onlyIf: headers });
  } catch {
    // R2 refuses a range that lies outside the object.
    const size = (await bucket.head(key))?.size;
    throw new HttpError(416, "range_not_satisfiable", "the range is outside the upload", size === undefined ? {} : { "content-range": `bytes */${size}` });
  }
}

function location(result: UploadResult): Record<string, string> {
  return result.stored ? { location: `/api/upload/${result.key}` } : {};
}
