// The Worker in workerd without `wrangler dev`'s proxy Worker in front: the `miniflare` package, with the bindings
// wrangler.toml declares (R2, Durable Objects, the rate limiter), reached through Miniflare's entry or on a direct
// socket (`unsafeDirectSockets`), as production has no dev hop.
import { build } from "esbuild";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

export interface MiniflareWorker {
  name: string;
  /** Through Miniflare's entry Worker. */
  entry: URL;
  /** Straight to the Worker's socket. */
  direct: URL;
  /** The Worker's DevTools socket, when started with `inspect`. */
  inspector?: URL;
  /** The bundled script the Worker runs (its `// src/…` comments say which module each line is from). */
  scriptPath: string;
  dispose(): Promise<void>;
}

export interface MiniflareOptions {
  /** Opens DevTools on the Worker (`inspector`). */
  inspect?: boolean;
  /** Leaves the rate limiters unbound: Miniflare emulates one with a Durable Object and SQLite, costs production has not. */
  withoutRateLimit?: boolean;
  /** Drops the Worker's log lines (a line per stream) rather than printing them. */
  quiet?: boolean;
  /**
   * Runs the Worker with a JavaScript TransformStream (the same high-water mark, in bytes) wherever it makes an
   * IdentityTransformStream: the native response body measured against the JavaScript one in the same code.
   */
  jsBody?: boolean;
}

// Put before the bundle by `jsBody`: the global IdentityTransformStream replaced by a JavaScript TransformStream.
const JS_BODY = `globalThis.IdentityTransformStream = class extends TransformStream {
  constructor(options = {}) { super({}, new ByteLengthQueuingStrategy({ highWaterMark: options.highWaterMark ?? 0 })); }
};`;

/** Bundles the Worker of `configPath` and runs it in Miniflare with `vars` added to its own. */
export async function startMiniflare(name: string, configPath: string, vars: Record<string, string>, options: MiniflareOptions = {}): Promise<MiniflareWorker> {
  const { inspect = false, withoutRateLimit = false, quiet = false, jsBody = false } = options;
  const { workerOptions, main } = unstable_getMiniflareWorkerOptions(configPath);
  const dir = mkdtempSync(join(tmpdir(), "edge-streams-mf-"));
  const scriptPath = join(dir, "worker.js");
  await build({
    entryPoints: [resolve(dirname(configPath), main ?? "src/index.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*"],
    outfile: scriptPath,
    logLevel: "warning",
    ...(jsBody ? { banner: { js: JS_BODY } } : {}),
  });
  // Assets (the demo page) and wrangler's module rules are left out: the script is already bundled, the page unused.
  const { assets: _assets, modulesRules: _rules, bindings, ratelimits, ...rest } = workerOptions as Record<string, unknown> & { bindings?: Record<string, unknown> };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...rest,
      ...(withoutRateLimit ? {} : { ratelimits }),
      name,
      modules: true,
      modulesRoot: dir,
      scriptPath,
      // ALLOW_ANONYMOUS as `npm start` sets it: the benchmark sends no token.
      bindings: { ...bindings, ALLOW_ANONYMOUS: "true", ...vars },
      host: "127.0.0.1",
      port: 0,
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      defaultPersistRoot: join(dir, "state"),
      ...(quiet ? { handleStructuredLogs: () => {} } : {}),
      ...(inspect ? { inspectorPort: 0, inspectorHost: "127.0.0.1", unsafeInspectorProxy: true } : {}),
    } as never),
  );
  const entry = await mf.ready;
  const direct = await mf.unsafeGetDirectURL(name);
  const inspector = inspect ? new URL(name, await mf.getInspectorURL()) : undefined;
  return { name, entry, direct, inspector, scriptPath, dispose: () => mf.dispose() };
}
