import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const bin = (name: string) => join(root, "node_modules/.bin", name);

// A fork copies src/streams and src/client into a Worker of its own: they must build there with nothing else.
const dir = mkdtempSync(join(tmpdir(), "toolkit-alone-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("src/streams and src/client copied alone into an empty Worker", () => {
  cpSync(join(root, "src/streams"), join(dir, "src/streams"), { recursive: true });
  cpSync(join(root, "src/client"), join(dir, "src/client"), { recursive: true });
  writeFileSync(
    join(dir, "src/index.ts"),
    [
      'import { DurableStream, durableProducer, producersOf } from "./streams/durable/DurableStream";',
      'import { durableResponse } from "./streams/durable/durableResponse";',
      'import { jsonl, sse } from "./streams/framing";',
      'import { sleep } from "./streams/sleep";',
      'import { streamResponse } from "./streams/streamResponse";',
      'import { readJSONL } from "./client";',
      "",
      "async function* count({ signal }: { signal: AbortSignal }) {",
      "  for (let n = 1; n <= 3; n++) { await sleep(1, signal); yield { n }; }",
      "}",
      "const durableCount = durableProducer<null>(\"count\", (_input, context) => count(context));",
      "export class Streams extends DurableStream { producers = producersOf(durableCount); }",
      "export default {",
      "  async fetch(request: Request, env: { STREAMS: DurableObjectNamespace<Streams> }) {",
      "    if (new URL(request.url).searchParams.has(\"resume\")) {",
      "      const limits = { keepMs: 1000, detachedMs: 1000, maxEvents: 10, maxBytes: 1024 };",
      '      return durableResponse(request, env.STREAMS, { route: "/", format: sse, heartbeatMs: 1000, limits, producer: durableCount, input: null, location: (id) => `/${id}` });',
      "    }",
      '    const response = await streamResponse(request, { route: "/", format: jsonl, heartbeatMs: 1000 }, count);',
      "    return Response.json(await readJSONL(response).all());",
      "  },",
      "} satisfies ExportedHandler<{ STREAMS: DurableObjectNamespace<Streams> }>;",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2024", module: "ESNext", moduleResolution: "Bundler", lib: ["ES2024", "ESNext.Disposable"], strict: true,
        noUncheckedIndexedAccess: true, noImplicitOverride: true, isolatedModules: true, verbatimModuleSyntax: true,
        skipLibCheck: true, noEmit: true, types: ["@cloudflare/workers-types"], typeRoots: [join(root, "node_modules/@types"), join(root, "node_modules")],
      },
      include: ["src"],
    }),
  );

  it("type-checks with only the Workers types", () => {
    let output = "";
    try {
      execFileSync(bin("tsc"), ["-p", join(dir, "tsconfig.json")], { cwd: dir, encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe("");
  });

  it("bundles into one Worker module with nothing left to resolve but cloudflare:workers", () => {
    const out = join(dir, "dist/index.js");
    execFileSync(bin("esbuild"), [join(dir, "src/index.ts"), "--bundle", "--format=esm", "--external:cloudflare:workers", `--outfile=${out}`, "--log-level=error"], { cwd: dir });
    expect(execFileSync("grep", ["-c", "cloudflare:workers", out], { encoding: "utf8" }).trim()).not.toBe("0");
  });
});
