import { route, type Feature } from "../../app/Feature";
import { ownStreamFraming } from "./protocolFraming";
import { streamPreflight, streamRequest } from "./streamRoutes";

const path = "/v1/stream/*";

/** The Durable Streams protocol at /v1/stream/*: streams any client writes, and the project's own, read through it. */
export default {
  name: "stream-protocol",
  routes: [
    ...(["GET", "HEAD", "PUT", "POST", "DELETE"] as const).map((method) => route(method, path, streamRequest)),
    route("OPTIONS", path, streamPreflight),
  ],
  framings: [ownStreamFraming],
} satisfies Feature;
