import type { IRequest } from "itty-router";
import { admitCostly } from "../../http/admitCostly";
import { requireToken } from "../../http/requireToken";
import { tusSettings } from "./tusSettings";
import { HttpError } from "../../streams/HttpError";
import { canonicalType } from "../../storage/canonicalType";
import { isUploadKey, serveUpload, uploadsBucket } from "../../storage/storedUpload";
import type { TusUpload } from "./TusUpload";
import { TUS_CHECKSUM_ALGORITHMS, TUS_CONFIG_HEADER, TUS_EXTENSIONS, TUS_RESUMABLE, tusHeaders, tusMetadata } from "./tusHeaders";

const location = (key: string) => `/api/files/${key}`;

// tus 1.0.0 at /api/files/: resumable uploads past the edge's request cap, each its own Durable Object (TusUpload)
// with R2 multipart underneath. Here the Worker checks what it can from the headers (version, token, sizes, types)
// and hands the request on; the object owns the offset and the bytes.

/** OPTIONS /api/files/: what this server speaks. */
export function tusOptions(_request: IRequest, env: Env): Response {
  return new Response(null, {
    status: 204,
    headers: tusHeaders({
      "tus-version": TUS_RESUMABLE,
      "tus-extension": TUS_EXTENSIONS,
      "tus-max-size": String(tusSettings(env).maxBytes),
      "tus-checksum-algorithm": TUS_CHECKSUM_ALGORITHMS,
    }),
  });
}

/**
 * POST /api/files/: creates an upload (its length now, or deferred), with a first chunk when the body has one. A
 * refused or failed first chunk still names the upload (Location): it exists, and a client can resume it.
 */
export async function tusCreate(request: IRequest, env: Env): Promise<Response> {
  await admitCostly(request, env, { guarded: true }).catch(asTus);
  checkVersion(request);
  const config = tusSettings(env);
  const { maxBytes } = config;
  const declared = request.headers.get("upload-length");
  const deferred = request.headers.get("upload-defer-length") === "1";
  if ((declared === null) === !deferred) throw tusError(400, "bad_request", "send Upload-Length, or Upload-Defer-Length: 1");
  const length = declared === null ? null : Number(declared);
  if (length !== null && (!Number.isSafeInteger(length) || length < 0)) throw tusError(400, "bad_request", "Upload-Length must be a non-negative integer");
  if (length !== null && length > maxBytes) throw tusError(413, "upload_too_large", `the upload must be at most ${maxBytes} bytes`);
  const raw = request.headers.get("upload-metadata");
  let metadata: Record<string, string>;
  try {
    metadata = tusMetadata(raw);
  } catch (error) {
    throw tusError(400, "bad_request", (error as Error).message);
  }
  let filetype: string | undefined;
  try {
    filetype = metadata.filetype === undefined ? undefined : canonicalType(metadata.filetype);
  } catch (error) {
    throw tusError(400, "bad_request", `Upload-Metadata filetype: ${(error as Error).message}`);
  }
  // A random UUID: unguessable, and the key /api/upload/:key serves the object by once it is complete.
  const key = crypto.randomUUID();
  const upload = uploads(env).getByName(key);
  const state = await upload.create({ length, metadata: raw, filename: metadata.filename, filetype }, key, config);
  const headers = tusHeaders({ location: location(key), "upload-expires": new Date(state.expiresAt).toUTCString() });
  if (request.headers.get("content-type") === "application/offset+octet-stream") {
    // creation-with-upload: the body is the first PATCH.
    const patch = new Request(new URL(location(key), request.url), {
      method: "PATCH",
      headers: {
        "tus-resumable": TUS_RESUMABLE,
        "upload-offset": "0",
        ...pick(request.headers, "upload-checksum", "content-length"),
        [TUS_CONFIG_HEADER]: JSON.stringify(config),
      },
      body: request.body ?? new Uint8Array(0),
    });
    const answer = await upload.fetch(patch);
    if (answer.status !== 204) {
      const refused = new Response(answer.body, answer);
      refused.headers.set("location", location(key));
      return refused;
    }
    headers["upload-offset"] = answer.headers.get("upload-offset") ?? "0";
  }
  return new Response(null, { status: 201, headers });
}

/** HEAD, PATCH and DELETE /api/files/:key: handed to the upload's object once the headers pass. */
export async function tusResource(request: IRequest, env: Env): Promise<Response> {
  // A PATCH stores bytes: rate limited like a creation.
  if (request.method === "PATCH") await admitCostly(request, env, { guarded: true }).catch(asTus);
  else await requireToken(request, env, { guarded: true }).catch(asTus);
  checkVersion(request);
  const key = request.params.key ?? "";
  if (!/^[0-9a-f-]{36}$/.test(key)) throw tusError(404, "not_found", "no such upload");
  if (request.method === "PATCH") {
    if (request.headers.get("content-type") !== "application/offset+octet-stream") {
      throw tusError(415, "unsupported_media_type", "a PATCH body must be application/offset+octet-stream");
    }
    if (!/^\d{1,16}$/.test(request.headers.get("upload-offset") ?? "")) throw tusError(400, "bad_request", "Upload-Offset must be a non-negative integer");
  }
  // A copy, whose headers can take the settings (the incoming request's are immutable); its body moves with it.
  const forwarded = new Request(request);
  forwarded.headers.set(TUS_CONFIG_HEADER, JSON.stringify(tusSettings(env)));
  const answer = await uploads(env).getByName(key).fetch(forwarded);
  // A Durable Object's response has immutable headers; the router adds its own.
  return new Response(answer.body, answer);
}

/**
 * GET /api/files/:key: a finished upload's bytes, served as every stored upload is (storedUpload.ts: a download with
 * ranges, conditional requests and its digest). Not a tus method: tus clients use HEAD, which stays the object's.
 */
export async function tusDownload(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  await requireToken(request, env, { guarded: true });
  const key = request.params.key;
  const served = isUploadKey(key) ? await serveUpload(request, uploadsBucket(env), key, tusSettings(env).keepMs, ctx) : undefined;
  if (!served) throw new HttpError(404, "not_found", "no finished upload by that key");
  return served;
}

/** The TUS_UPLOADS binding; a Worker deployed without it answers 500 bad_config. */
function uploads(env: Env): DurableObjectNamespace<TusUpload> {
  if (!env.TUS_UPLOADS || !env.UPLOADS) throw tusError(500, "bad_config", "the TUS_UPLOADS Durable Object or UPLOADS R2 binding is missing: see wrangler.toml");
  return env.TUS_UPLOADS;
}

/** tus requests name the version they speak: 412 for any other, with the one this server has. */
function checkVersion(request: Request): void {
  if (request.headers.get("tus-resumable") !== TUS_RESUMABLE) {
    throw tusError(412, "version_unsupported", `this server speaks tus ${TUS_RESUMABLE}`, { "tus-version": TUS_RESUMABLE });
  }
}

/** A refusal from the shared gates (401, 429), rethrown with Tus-Resumable as every tus answer carries it. */
function asTus(error: unknown): never {
  if (error instanceof HttpError) throw tusError(error.status, error.code, error.message, error.headers);
  throw error;
}

function tusError(status: number, code: string, message: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(status, code, message, tusHeaders(headers));
}

function pick(headers: Headers, ...names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (headers.has(name) ? [[name, headers.get(name)!]] : [])));
}
