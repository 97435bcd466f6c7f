// Readers for this template's streams, for the browser and Node alike. Every reader is a StreamReader.
export { readSSE } from "./readSSE";
export { readJSONL, type JSONLReader, type ReadJSONLOptions } from "./readJSONL";
export { readResumable } from "./readResumable";
export { openReader, type ReaderOptions, type ResumeOptions, type StreamReader } from "./StreamReader";
export { progressive, type Parts, type Progressive } from "./progressive";
export { StreamError } from "./StreamError";

// The layers beneath them: bytes -> lines -> events.
export { readLines } from "../streams/readLines";
export { parseSSE, type ServerSentEvent } from "../streams/parseSSE";
export { SSEDecoder } from "../streams/SSEDecoder";
