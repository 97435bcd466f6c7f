import { auth, token, type Refusal } from "../../e2e/refusals";

/** Chat bodies limited to 1 MiB by the prompt cap (x4 + 64 KiB, see admitChat), with API_TOKEN set. */
export const chatLimits = () => ({ CHAT_MAX_PROMPT_CHARS: String((1024 * 1024 - 64 * 1024) / 4), API_TOKEN: token });

export const chatRefusals: Refusal[] = [
  { refusal: "chat 413", path: "/api/chat", headers: { ...auth, "content-type": "application/json" }, status: 413, code: "body_too_large" },
];
