/** What a stored object is known by, for conditional requests. */
export interface Validators {
  /** The quoted entity tag, `"…"`. */
  etag: string;
  lastModified: Date;
}

/**
 * The status a conditional GET or HEAD gets instead of the body (RFC 9110 §13.2.2), or undefined to serve it:
 * If-Match then If-Unmodified-Since (412), If-None-Match then If-Modified-Since (304).
 */
export function preconditionStatus(headers: Headers, object: Validators): 304 | 412 | undefined {
  const ifMatch = headers.get("if-match");
  if (ifMatch !== null ? !matches(ifMatch, object.etag, true) : modifiedSince(headers.get("if-unmodified-since"), object) === true) {
    return 412;
  }
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null ? matches(ifNoneMatch, object.etag, false) : modifiedSince(headers.get("if-modified-since"), object) === false) {
    return 304;
  }
  return undefined;
}

/** Whether a Range may be honoured: no If-Range, or one naming this very version (a strong tag or the exact date). */
export function ifRangeHolds(headers: Headers, object: Validators): boolean {
  const ifRange = headers.get("if-range");
  if (ifRange === null) return true;
  if (/^(W\/)?"/.test(ifRange)) return ifRange === object.etag;
  const date = Date.parse(ifRange);
  return !Number.isNaN(date) && date === seconds(object.lastModified);
}

/** Whether an If-Match / If-None-Match list names the tag; `*` names any. If-Match compares strongly, If-None-Match weakly. */
function matches(list: string, etag: string, strong: boolean): boolean {
  if (list.trim() === "*") return true;
  return list.split(",").some((tag) => {
    const t = tag.trim();
    return strong ? t === etag : t.replace(/^W\//, "") === etag;
  });
}

/** True or false for a valid HTTP date, undefined for an absent or invalid one (which the RFC says to ignore). */
function modifiedSince(header: string | null, object: Validators): boolean | undefined {
  const date = header === null ? NaN : Date.parse(header);
  return Number.isNaN(date) ? undefined : seconds(object.lastModified) > date;
}

// HTTP dates have whole seconds.
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}
