const MiB = 1024 * 1024;

/** The token the refusal tests set as API_TOKEN. */
export const token = "s3cret";

/** Every limit 1 MiB: uploads by UPLOAD_MAX_BYTES, chat bodies by the prompt cap (x4 + 64 KiB, see admitChat). */
export const refusalVars = () => ({ UPLOAD_MAX_BYTES: String(MiB), CHAT_MAX_PROMPT_CHARS: String((MiB - 64 * 1024) / 4), API_TOKEN: token });

const auth = { authorization: `Bearer ${token}` };
/** Each early refusal: where, with which headers, and the status and code the client must see. */
export const refusals = [
  { refusal: "upload 413", path: "/api/upload", headers: auth, status: 413, code: "body_too_large" },
  { refusal: "upload 401", path: "/api/upload", headers: {}, status: 401, code: "unauthorized" },
  { refusal: "upload 400", path: "/api/upload", headers: { ...auth, "content-digest": "sha-256=:A:" }, status: 400, code: "bad_digest" },
  { refusal: "chat 413", path: "/api/chat", headers: { ...auth, "content-type": "application/json" }, status: 413, code: "body_too_large" },
];

/** The body sizes each refusal is tried with: 8 MiB and 64 MiB, both far over the limit. */
export const refusalSizes = [8 * MiB + 4, 64 * MiB];
