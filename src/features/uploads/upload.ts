import type { IRequest } from "itty-router";
import { settings } from "../../settings";
import { uploadSettings } from "./uploadSettings";
import { HttpError } from "../../streams/HttpError";
import { admitCostly } from "../../http/admitCostly";
import { requireToken } from "../../http/requireToken";
import { jsonl, text } from "../../streams/framing";
import { negotiate } from "../../streams/negotiate";
import { pushStream } from "../../streams/pushStream";
import { canonicalType } from "../../storage/canonicalType";
import { claimedSha256 } from "../../storage/contentDigest";
import { deleteUpload, isUploadKey, serveUpload, uploadsBucket, type UploadResult } from "../../storage/storedUpload";
import { receiveUpload, uploadMemoryNeed } from "./receiveUpload";
import { reserveUploadMemory } from "../../storage/uploadMemory";

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
  const config = uploadSettings(env);
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
 * GET|HEAD /api/upload/:key: a stored upload (this route's or a tus upload's) streamed back from R2 as a download,
 * with ranges, conditional requests and its digest (storedUpload.ts). Older than UPLOAD_KEEP_DAYS: 404.
 */
export async function download(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  await requireToken(request, env, { guarded: true });
  const key = request.params.key;
  if (!isUploadKey(key)) throw notFound();
  const served = await serveUpload(request, uploadsBucket(env), key, uploadSettings(env).keepMs, ctx);
  if (!served) throw notFound();
  return served;
}

/** DELETE /api/upload/:key: the upload and its digest sidecar deleted; 204, or 404 when there is none. */
export async function removeUpload(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, env, { guarded: true });
  const key = request.params.key;
  if (!isUploadKey(key) || !(await deleteUpload(uploadsBucket(env), key))) throw notFound();
  console.log(JSON.stringify({ msg: "upload deleted", route: "/api/upload", key }));
  return new Response(null, { status: 204 });
}

function notFound(): HttpError {
  return new HttpError(404, "not_found", "no upload by that key");
}

function location(result: UploadResult): Record<string, string> {
  return result.stored ? { location: `/api/upload/${result.key}` } : {};
}
