import { integerVar, settingsGroup } from "../../settings";
import { PART_BYTES, storageSettings } from "../../storage/storageSettings";

/** The tus uploads' settings. */
export interface TusConfig {
  /** The largest upload, Upload-Length or as sent. */
  maxBytes: number;
  /** An upload is kept this long after its creation, then its parts and state are deleted. */
  expireMs: number;
  /** A PATCH body that sends nothing for this long is cut; what arrived before is kept. */
  idleMs: number;
  /** A PATCH smaller than this is refused unless it ends the upload: each PATCH re-reads and re-writes the tail. */
  minPatchBytes: number;
  /** The upload memory budget of the isolate (UPLOAD_MEMORY_BYTES), shared with /api/upload: each PATCH holds a part. */
  memoryBytes: number;
  /** A finished upload is served by GET this long (UPLOAD_KEEP_DAYS). */
  keepMs: number;
}

/** TUS_*, with the storage settings, read once per isolate. */
export const tusSettings = settingsGroup((env): TusConfig => {
  const storage = storageSettings(env);
  return {
    maxBytes: integerVar(env, "TUS_MAX_BYTES", 0, 10_000 * PART_BYTES, 10 * 1024 ** 3),
    // R2 aborts a multipart upload left open for 7 days: an upload may not outlive its parts.
    expireMs: integerVar(env, "TUS_EXPIRE_SECONDS", 1, 7 * 86_400, 86_400) * 1000,
    idleMs: storage.idleMs,
    minPatchBytes: integerVar(env, "TUS_MIN_PATCH_BYTES", 1, PART_BYTES, 1024 * 1024),
    memoryBytes: storage.memoryBytes,
    keepMs: storage.keepMs,
  };
});
