import { describe, expect, it } from "vitest";
import { useWorker } from "../../e2e/harness";

describe("the committed configuration with the offline model", () => {
  const offline = useWorker({ vars: { ALLOW_ANONYMOUS: "false", OFFLINE_TOKEN_MS: "0" } });

  it("answers chat with no token: the offline model spends nothing", async () => {
    const response = await fetch(new URL("/api/chat?q=hello", offline.url));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("event: done");
  });
});
