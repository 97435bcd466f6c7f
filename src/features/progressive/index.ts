import { route, type Feature } from "../../app/Feature";
import { durableProgressive, progressive } from "./progressive";

/** A JSON Lines response whose independent parts arrive as each resolves; durable with ?resume=1. */
export default {
  name: "progressive",
  routes: [route("GET", "/api/progressive", progressive)],
  producers: [durableProgressive],
} satisfies Feature;
