// The protocol's cursor (PROTOCOL.md 10.1): the number of 20 s intervals since 2024-10-09, so that a CDN keys the
// long-polls of one interval together and never serves one cached answer forever.
const EPOCH = Date.UTC(2024, 9, 9);
const INTERVAL_MS = 20_000;
// A client already at or past the current interval gets a later one: 1 s to an hour later, in whole intervals.
const MAX_JITTER_INTERVALS = 180;

/** The cursor of a live answer, given the one the client echoed (`cursor=`): never at or behind it. */
export function nextCursor(echoed: string | null): string {
  const now = Math.floor((Date.now() - EPOCH) / INTERVAL_MS);
  const given = echoed !== null && /^\d{1,15}$/.test(echoed) ? Number(echoed) : -1;
  if (given < now) return String(now);
  return String(given + 1 + Math.floor(Math.random() * MAX_JITTER_INTERVALS));
}
