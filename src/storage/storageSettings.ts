import { integerVar, settingsGroup } from "../settings";

// R2 multipart parts: all of one size but the last, at least 5 MiB, at most 10,000 of them. Every upload stores 8 MiB parts.
export const PART_BYTES = 8 * 1024 * 1024;

/** What every upload shares: the isolate's memory budget, the idle cut, and how long a stored upload is served. */
export interface StorageConfig {
  /** What the uploads running in one isolate may hold in memory at once, all together. */
  memoryBytes: number;
  /** A body that sends nothing for this long is cut. */
  idleMs: number;
  /** A stored upload is served this long after it was stored; the bucket's lifecycle rule deletes it (docs). */
  keepMs: number;
}

/** UPLOAD_MEMORY_BYTES, UPLOAD_IDLE_TIMEOUT_MS and UPLOAD_KEEP_DAYS, read once per isolate. */
export const storageSettings = settingsGroup((env): StorageConfig => ({
  memoryBytes: integerVar(env, "UPLOAD_MEMORY_BYTES", 1024 * 1024, 1024 ** 3, 64 * 1024 * 1024),
  idleMs: integerVar(env, "UPLOAD_IDLE_TIMEOUT_MS", 10, 600_000, 30_000),
  keepMs: integerVar(env, "UPLOAD_KEEP_DAYS", 1, 3650, 30) * 86_400_000,
}));
