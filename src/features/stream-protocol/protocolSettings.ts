import { integerVar, settingsGroup } from "../../settings";

/** What one Durable Streams protocol stream may hold and how its readers wait, from STREAM_* vars. */
export interface ProtocolConfig {
  /** Bytes one stream may hold (its messages' JSON, or its bytes); an append past it is a 413 and keeps nothing. */
  maxBytes: number;
  /** Messages (JSON) or records (bytes, one per append or per 192 KiB of a long one) one stream may hold. */
  maxMessages: number;
  /** A JSON append is parsed whole, so it may be at most this big (bytes appends stream into the log instead). */
  maxJsonAppendBytes: number;
  /** A long-poll with nothing new answers 204 after this long. */
  longPollMs: number;
  /** A stream with no TTL or expiry of its own is deleted after going unused this long. */
  maxIdleMs: number;
  /** Long-polls one stream holds at once (each a request, a timer and a callback); past it, 503 with Retry-After. */
  maxWaiters: number;
}

/**
 * STREAM_MAX_BYTES (64 MiB), STREAM_MAX_MESSAGES (100,000), STREAM_MAX_JSON_APPEND_BYTES (1 MiB), STREAM_LONG_POLL_SECONDS
 * (10), STREAM_MAX_IDLE_DAYS (30), STREAM_MAX_WAITERS (1,000).
 */
export const protocolSettings = settingsGroup(
  (env): ProtocolConfig => ({
    maxBytes: integerVar(env, "STREAM_MAX_BYTES", 1024, 1024 ** 3, 64 * 1024 ** 2),
    maxMessages: integerVar(env, "STREAM_MAX_MESSAGES", 1, 10_000_000, 100_000),
    maxJsonAppendBytes: integerVar(env, "STREAM_MAX_JSON_APPEND_BYTES", 1024, 16 * 1024 ** 2, 1024 ** 2),
    longPollMs: integerVar(env, "STREAM_LONG_POLL_SECONDS", 1, 60, 10) * 1000,
    maxIdleMs: integerVar(env, "STREAM_MAX_IDLE_DAYS", 1, 3650, 30) * 86_400_000,
    maxWaiters: integerVar(env, "STREAM_MAX_WAITERS", 1, 100_000, 1000),
  }),
);
