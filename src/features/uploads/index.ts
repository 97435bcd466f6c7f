import { route, type Feature } from "../../app/Feature";
import { download, removeUpload, upload } from "./upload";

/** Uploads up to the request cap: the body consumed as a stream, counted, hashed, stored in R2; served back with ranges. */
export default {
  name: "uploads",
  routes: [
    route("POST", "/api/upload", upload),
    route("PUT", "/api/upload", upload),
    route("GET", "/api/upload/:key", download),
    route("HEAD", "/api/upload/:key", download),
    route("DELETE", "/api/upload/:key", removeUpload),
  ],
} satisfies Feature;
