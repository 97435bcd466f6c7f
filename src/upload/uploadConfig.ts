import { integerVar } from "../config";

/** The upload settings, read from `[vars]`. */
export interface UploadConfig {
  /** The largest body accepted. */
  maxBytes: number;
  /** What the uploads running in one isolate may hold in memory at once, all together. */
  memoryBytes: number;
  /** A body that sends nothing for this long is cut, and nothing of it kept. */
  idleMs: number;
}

/** Reads and checks the upload settings; a bad value is a bad_config error that names the variable. */
export function readUploadConfig(env: Env): UploadConfig {
  return {
    maxBytes: integerVar(env, "UPLOAD_MAX_BYTES", 0, 5 * 1024 ** 3, 100 * 1024 * 1024),
    memoryBytes: integerVar(env, "UPLOAD_MEMORY_BYTES", 1024 * 1024, 1024 ** 3, 64 * 1024 * 1024),
    idleMs: integerVar(env, "UPLOAD_IDLE_TIMEOUT_MS", 10, 600_000, 30_000),
  };
}
