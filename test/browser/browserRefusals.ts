import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { refusalSizes, type Refusal } from "../e2e/refusals";

/**
 * Each refusal reaches Chromium's fetch as its status and JSON. Declared lengths only: Chromium streams a request body
 * (chunked) only over HTTP/2, and wrangler dev speaks HTTP/1.1.
 */
export function describeBrowserRefusals(page: () => Page, refusals: Refusal[]): void {
  const cases = refusals.flatMap((refusal) => refusalSizes.map((size) => ({ ...refusal, size })));
  describe("early refusals reach Chromium's fetch", () => {
    it.each(cases)("as the $refusal of a $size-byte body, status and JSON", async ({ path, headers, status, code, size }) => {
      // The page is already on the Worker's origin (usePage): the fetch is same-origin, as the demo page's are.
      const seen = await page().evaluate(
        async ({ path, headers, size }) => {
          const response = await fetch(path, { method: "POST", headers, body: new Blob([new Uint8Array(size)]) });
          return { status: response.status, body: await response.json() };
        },
        { path, headers, size },
      );
      expect(seen.status).toBe(status);
      expect(seen.body).toMatchObject({ error: { code } });
    });
  });
}
