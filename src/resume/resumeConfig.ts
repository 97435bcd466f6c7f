import { integerVar } from "../config";

/** How long and how big a resumable chat stream may be, read from `[vars]`. */
export interface ResumeConfig {
  /** A finished stream is kept this long for late readers, then deleted. */
  keepMs: number;
  /** With no reader connected, the model keeps answering this long; then it is stopped. */
  detachedMs: number;
  /** Events recorded per stream, the end event included. */
  maxEvents: number;
  /** Bytes of event data recorded per stream. */
  maxBytes: number;
}

/** Reads and checks the resume settings; a bad value is a bad_config error that names the variable. */
export function readResumeConfig(env: Env): ResumeConfig {
  return {
    keepMs: integerVar(env, "CHAT_RESUME_KEEP_SECONDS", 1, 7 * 24 * 3600, 600) * 1000,
    detachedMs: integerVar(env, "CHAT_RESUME_DETACHED_SECONDS", 1, 3600, 120) * 1000,
    maxEvents: integerVar(env, "CHAT_RESUME_MAX_EVENTS", 2, 1_000_000, 4096),
    maxBytes: integerVar(env, "CHAT_RESUME_MAX_BYTES", 1024, 100 * 1024 * 1024, 1024 * 1024),
  };
}
