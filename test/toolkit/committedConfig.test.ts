import { describe, expect, it } from "vitest";

describe("what is committed", () => {
  it("closes wrangler.toml, and opens only `npm start`", async () => {
    const { readFile } = await import("node:fs/promises");
    expect(await readFile("wrangler.toml", "utf8")).toMatch(/^ALLOW_ANONYMOUS = "false"$/m);
    const { scripts } = JSON.parse(await readFile("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(scripts.start).toContain("--var ALLOW_ANONYMOUS:true");
    expect(scripts.deploy).not.toContain("ALLOW_ANONYMOUS");
  });
});
