// Secrets live in .dev.vars or `wrangler secret put`, not wrangler.toml, so `wrangler types` cannot see them.
interface Env {
  /** Unset: the built-in offline model answers. */
  OPENAI_API_KEY?: string;
  /** Set: /api/chat, /v1/* and /api/upload need `Authorization: Bearer <API_TOKEN>`. */
  API_TOKEN?: string;
}
