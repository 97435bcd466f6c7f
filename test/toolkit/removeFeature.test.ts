import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// What `npm run remove-feature` edits, copied into a scratch root: the script works on the folder above its own.
const COPIED = ["scripts/removeFeature.mjs", "src/index.ts", "src/features", "test/features", "wrangler.toml", "README.md", "test/README.md", "public/panels.js", "public/panels", "docs"];

describe("npm run remove-feature", () => {
  const root = mkdtempSync(join(tmpdir(), "edge-streams-remove-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  for (const path of COPIED) cpSync(path, join(root, path), { recursive: true });
  const output = execFileSync(process.execPath, [join(root, "scripts/removeFeature.mjs"), "tus"], { cwd: root, encoding: "utf8", stdio: "pipe" });
  const read = (path: string) => readFileSync(join(root, path), "utf8");

  it("deletes the feature's code, tests, panel and page", () => {
    for (const path of ["src/features/tus", "test/features/tus", "public/panels/tus.js", "docs/tus.md"]) expect(existsSync(join(root, path)), path).toBe(false);
    expect(existsSync(join(root, "src/features/uploads")), "another feature").toBe(true);
  });

  it("takes its lines out of the feature list, the panels, the README and the test map", () => {
    expect(read("src/index.ts")).not.toMatch(/features\/tus/);
    expect(read("src/index.ts")).not.toMatch(/^\s*tus,$/m);
    expect(read("public/panels.js")).not.toContain("tus");
    expect(read("README.md")).not.toContain("(docs/tus.md)");
    expect(read("test/README.md")).not.toContain("test/features/tus/");
    expect(read("test/README.md")).toContain("test/features/uploads/");
  });

  it("takes its blocks out of wrangler.toml and deletes its Durable Object class by a migration", () => {
    const toml = read("wrangler.toml");
    expect(toml).not.toContain("# feature: tus");
    expect(toml).not.toMatch(/class_name = "TusUpload"/);
    expect(toml).toMatch(/deleted_classes = \["TusUpload"\]/);
    expect(output).toContain("removed the tus feature");
  });

  it("refuses a name that is not a feature, naming the ones there are", () => {
    let refused: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [join(root, "scripts/removeFeature.mjs"), "nothing"], { cwd: root, encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      refused = error as { status: number; stderr: string };
    }
    expect(refused?.status).toBe(1);
    expect(refused?.stderr).toContain("one of: ai-chat");
  });
});
