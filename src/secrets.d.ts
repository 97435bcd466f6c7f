// Secrets live in .dev.vars or `wrangler secret put`, not wrangler.toml, so `wrangler types` cannot see them.
interface Env {
  /** Unset: the built-in offline model answers. */
  OPENAI_API_KEY?: string;
  /** Set: the model routes, uploads, tus and stream readers need `Authorization: Bearer <API_TOKEN>`. */
  API_TOKEN?: string;
  /** Set: /v1/messages relays to ANTHROPIC_BASE_URL with this key (native) instead of translating. */
  ANTHROPIC_API_KEY?: string;
  /** Bound (an Analytics Engine dataset, commented out in wrangler.toml): one data point per model answer. */
  USAGE?: AnalyticsEngineDataset;
}
