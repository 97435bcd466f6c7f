import { integerVar, legacy, settingsGroup } from "../settings";
import type { DurableLimits } from "../streams/durable/DurableStream";

/** How long and how big a durable stream may be, and how many may read it: the toolkit's limits, every one set. */
export type DurableConfig = Required<DurableLimits>;

/** The durable streams' limits: DURABLE_*, or the CHAT_RESUME_* names deployed configurations still use. */
export const durableSettings = settingsGroup((env): DurableConfig => ({
  keepMs: integerVar(env, legacy(env, "DURABLE_KEEP_SECONDS", "CHAT_RESUME_KEEP_SECONDS"), 1, 7 * 24 * 3600, 600) * 1000,
  detachedMs: integerVar(env, legacy(env, "DURABLE_DETACHED_SECONDS", "CHAT_RESUME_DETACHED_SECONDS"), 1, 3600, 120) * 1000,
  maxEvents: integerVar(env, legacy(env, "DURABLE_MAX_EVENTS", "CHAT_RESUME_MAX_EVENTS"), 2, 1_000_000, 4096),
  // Records are written to SQLite in batches, one row each: a stream may not outgrow a row (2 MB).
  maxBytes: integerVar(env, legacy(env, "DURABLE_MAX_BYTES", "CHAT_RESUME_MAX_BYTES"), 1024, 2_000_000, 1024 * 1024),
  maxReaders: integerVar(env, "DURABLE_MAX_READERS", 1, 1000, 16),
  readerBufferBytes: integerVar(env, "DURABLE_READER_BUFFER_BYTES", 1024, 16 * 1024 * 1024, 256 * 1024),
}));
