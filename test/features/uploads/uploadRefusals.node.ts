import { auth, token, type Refusal } from "../../e2e/refusals";

/** Uploads limited to 1 MiB, with API_TOKEN set. */
export const uploadLimits = () => ({ UPLOAD_MAX_BYTES: String(1024 * 1024), API_TOKEN: token });

export const uploadRefusals: Refusal[] = [
  { refusal: "upload 413", path: "/api/upload", headers: auth, status: 413, code: "body_too_large" },
  { refusal: "upload 401", path: "/api/upload", headers: {}, status: 401, code: "unauthorized" },
  { refusal: "upload 400", path: "/api/upload", headers: { ...auth, "content-digest": "sha-256=:A:" }, status: 400, code: "bad_digest" },
];
