/**
 * Sends one client's requests until the rate limit refuses one (429), at most 130. Miniflare's windows are minutes of
 * the wall clock, so the 61st is refused unless a window ends mid-way, when up to 120 pass first: a test asserts the
 * refusal came after at least 60 successes, and no later than 121 requests.
 */
export async function firstRefusal(send: (n: number) => Promise<Response>): Promise<{ refusedAt: number; passed: number[]; refusal: Response }> {
  const passed: number[] = [];
  for (let n = 0; n < 130; n++) {
    const response = await send(n);
    if (response.status === 429) return { refusedAt: n, passed, refusal: response };
    passed.push(response.status);
    await response.body?.cancel();
  }
  throw new Error("no request was refused in 130");
}
