// Names that deployed configurations may still use, from before each was renamed to say what it does. The code reads
// the new name first: DURABLE_* in settings.ts, RATE_LIMITER in http/rateLimit.ts.
interface Env {
  CHAT_RESUME_KEEP_SECONDS?: string;
  CHAT_RESUME_DETACHED_SECONDS?: string;
  CHAT_RESUME_MAX_EVENTS?: string;
  CHAT_RESUME_MAX_BYTES?: string;
  CHAT_LIMITER?: RateLimit;
}
