import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

/** Every .ts file under a folder of src/, as paths relative to the repository. */
function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(folder, file));
}

/** The modules a file imports or re-exports, as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+["']([^"']+)["']/gm)].map((match) => match[1]!);
}

/** Where a relative import of `file` points, relative to the repository; bare specifiers as they are. */
function target(file: string, specifier: string): string {
  return specifier.startsWith(".") ? relative(root, resolve(root, dirname(file), specifier)) : specifier;
}

/** Every import of the files under `folder` that leaves the folders in `allowed`, as "file -> target". */
function escapes(folder: string, allowed: string[]): string[] {
  return sources(folder).flatMap((file) =>
    importsOf(file)
      .map((specifier) => target(file, specifier))
      .filter((to) => !(to === "cloudflare:workers" || allowed.some((dir) => to.startsWith(`${dir}/`))))
      .map((to) => `${file} -> ${to}`),
  );
}

describe("the stream toolkit's import graph", () => {
  it("finds the imports it checks (the scan itself works)", () => {
    expect(importsOf("src/streams/streamResponse.ts")).toContain("./StreamWriter");
    expect(escapes("src/routes", ["src/streams"]).length).toBeGreaterThan(0);
  });

  it("src/streams imports nothing from outside src/streams", () => {
    expect(escapes("src/streams", ["src/streams"])).toEqual([]);
  });

  it("src/client imports only src/client and src/streams", () => {
    expect(escapes("src/client", ["src/client", "src/streams"])).toEqual([]);
  });

  it("routes import only downward: no route imports another route, and nothing below routes imports one", () => {
    const intoRoutes = ["src/streams", "src/client", "src/http", "src/llm", "src/upload", "src/proxy", "src/resume"]
      .flatMap((folder) => sources(folder).flatMap((file) => importsOf(file).map((s) => [file, target(file, s)] as const)))
      .filter(([, to]) => to.startsWith("src/routes/") || to === "src/index");
    const routeToRoute = sources("src/routes").flatMap((file) =>
      importsOf(file).filter((s) => target(file, s).startsWith("src/routes/")).map((s) => `${file} -> ${s}`),
    );
    expect(intoRoutes).toEqual([]);
    expect(routeToRoute).toEqual([]);
  });
});
