import { existsSync, readdirSync, readFileSync } from "node:fs";
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

// The layers under the features: what any feature may import. A feature never imports another.
const shared = ["src/app", "src/client", "src/durable", "src/http", "src/model", "src/storage", "src/streams"];
const sharedFiles = ["src/settings"];
const features = readdirSync(join(root, "src/features"));

/** Where a feature's file imports from this repository outside its own folder and the shared layers (packages are fine). */
function crossings(folder: string, own: string): string[] {
  return escapes(folder, [own, ...shared])
    .filter((line) => / -> (src|test)\//.test(line))
    .filter((line) => !sharedFiles.some((file) => line.endsWith(` -> ${file}`)));
}

describe("the stream toolkit's import graph", () => {
  it("finds the imports it checks (the scan itself works)", () => {
    expect(importsOf("src/streams/streamResponse.ts")).toContain("./StreamWriter");
    expect(escapes("src/app", ["src/streams"]).length).toBeGreaterThan(0);
  });

  it("src/streams imports nothing from outside src/streams", () => {
    expect(escapes("src/streams", ["src/streams"])).toEqual([]);
  });

  it("src/client imports only src/client and src/streams", () => {
    expect(escapes("src/client", ["src/client", "src/streams"])).toEqual([]);
  });
});

describe("the features' import graph", () => {
  it.each(features)("src/features/%s imports only itself and the shared layers", (name) => {
    expect(crossings(`src/features/${name}`, `src/features/${name}`)).toEqual([]);
  });

  it("the shared layers import no feature and not the Worker's entry", () => {
    const upward = [...shared, ...sharedFiles.map((file) => file.replace(/\/[^/]+$/, ""))]
      .flatMap((folder) => (folder === "src" ? [] : sources(folder)))
      .concat(sharedFiles.map((file) => `${file}.ts`))
      .flatMap((file) => importsOf(file).map((s) => [file, target(file, s)] as const))
      .filter(([, to]) => to.startsWith("src/features/") || to === "src/index")
      .map(([file, to]) => `${file} -> ${to}`);
    expect(upward).toEqual([]);
  });

  it.each(features.filter((name) => existsSync(join(root, "test/features", name))))(
    "test/features/%s imports no other feature's code or tests",
    (name) => {
      const others = features.filter((other) => other !== name).flatMap((other) => [`src/features/${other}/`, `test/features/${other}/`]);
      const found = sources(`test/features/${name}`).flatMap((file) =>
        importsOf(file).map((s) => target(file, s)).filter((to) => others.some((prefix) => `${to}/`.startsWith(prefix) || to.startsWith(prefix))).map((to) => `${file} -> ${to}`),
      );
      expect(found).toEqual([]);
    },
  );

  it("the tests of the toolkit and the shared layers import no feature: they survive removing any", () => {
    const folders = readdirSync(join(root, "test"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== "features" && entry.name !== "toolkit")
      .map((entry) => entry.name);
    const found = folders
      .flatMap((folder) => sources(`test/${folder}`))
      .flatMap((file) => importsOf(file).map((s) => `${file} -> ${target(file, s)}`))
      .filter((line) => line.includes(" -> src/features/") || line.includes(" -> test/features/"));
    expect(found).toEqual([]);
  });
});
