import { route, type Feature } from "../../app/Feature";
import { proxy } from "./proxy";

/** The streaming proxy: allow-listed origins only, the body passed through natively. */
export default {
  name: "proxy",
  routes: [route("GET", "/proxy/:name/*", proxy), route("HEAD", "/proxy/:name/*", proxy)],
} satisfies Feature;
