import { HttpError } from "../../streams/HttpError";

/** Where the protocol's streams live: a stream's URL is this and its name. */
export const STREAM_PATH = "/v1/stream/";

/** The stream's name in a URL path (`/v1/stream/<name>`, URL-encoded): at most 512 characters, never empty. */
export function streamName(path: string): string {
  let name: string;
  try {
    name = decodeURIComponent(path.startsWith(STREAM_PATH) ? path.slice(STREAM_PATH.length) : path);
  } catch {
    throw new HttpError(400, "bad_stream_name", "the stream's name is not valid URL encoding");
  }
  if (name.length === 0 || name.length > 512) throw new HttpError(400, "bad_stream_name", "a stream's name is 1 to 512 characters");
  return name;
}
