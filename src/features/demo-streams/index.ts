import { route, type Feature } from "../../app/Feature";
import { chunks } from "./chunks";
import { ticker } from "./ticker";

/** Streams that run with no network and no secrets: an SSE ticker, and raw chunks (the proxy's demo origin). */
export default {
  name: "demo-streams",
  routes: [route("GET", "/api/ticker", ticker), route("GET", "/api/chunks", chunks)],
} satisfies Feature;
