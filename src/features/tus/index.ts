import { route, type Feature } from "../../app/Feature";
import { tusCreate, tusDownload, tusOptions, tusResource } from "./tus";

/** tus uploads past the request cap, resumable: each upload its own Durable Object (TusUpload), R2 multipart underneath. */
export default {
  name: "tus",
  routes: [
    route("OPTIONS", "/api/files/", tusOptions),
    route("POST", "/api/files/", tusCreate),
    route("HEAD", "/api/files/:key", tusResource),
    route("GET", "/api/files/:key", tusDownload),
    route("PATCH", "/api/files/:key", tusResource),
    route("DELETE", "/api/files/:key", tusResource),
  ],
} satisfies Feature;
