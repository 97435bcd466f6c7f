/** The header the Worker passes its tus settings to an upload's object in; set by the Worker, over any a client sent. */
export const TUS_CONFIG_HEADER = "x-edge-streams-tus-config";

/** The tus version spoken, and the extensions served. */
export const TUS_RESUMABLE = "1.0.0";
export const TUS_EXTENSIONS = "creation,creation-with-upload,creation-defer-length,termination,expiration,checksum";

const ALGORITHMS: Record<string, "SHA-1" | "SHA-256"> = { sha1: "SHA-1", sha256: "SHA-256" };
export const TUS_CHECKSUM_ALGORITHMS = Object.keys(ALGORITHMS).join(",");

/** Headers of a tus answer: Tus-Resumable always, plus these. */
export function tusHeaders(headers: Record<string, string> = {}): Record<string, string> {
  return { "tus-resumable": TUS_RESUMABLE, ...headers };
}

/** `Upload-Checksum: sha256 <base64>`: the algorithm for DigestStream and the digest to match; throws on a bad one. */
export function tusChecksum(header: string | null): { algorithm: "SHA-1" | "SHA-256"; base64: string } | undefined {
  if (header === null) return undefined;
  const [name = "", base64 = ""] = header.trim().split(/\s+/);
  const algorithm = ALGORITHMS[name.toLowerCase()];
  if (!algorithm) throw new Error(`Upload-Checksum: the algorithm must be one of ${TUS_CHECKSUM_ALGORITHMS}`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new Error("Upload-Checksum: the checksum must be base64");
  return { algorithm, base64 };
}

/** `Upload-Metadata: filename ZmlsZS50eHQ=,filetype dGV4dC9wbGFpbg==`: the pairs, decoded; throws on a malformed one. */
export function tusMetadata(header: string | null): Record<string, string> {
  const pairs: Record<string, string> = {};
  if (!header) return pairs;
  for (const pair of header.split(",")) {
    const [key = "", value = ""] = pair.trim().split(" ");
    if (!/^[\x21-\x7e]+$/.test(key) || key.includes(",")) throw new Error("Upload-Metadata: each key must be printable ASCII without spaces");
    try {
      pairs[key] = value ? new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0))) : "";
    } catch {
      throw new Error(`Upload-Metadata: the value of ${key} must be base64 of UTF-8`);
    }
  }
  return pairs;
}
