import { badConfig, settingsGroup } from "../../settings";

/**
 * OPENAI_RESPONSES: how /v1/responses reaches the model: "translate" (the default: to chat completions) or "native"
 * (the upstream's own /responses). With no API key the offline model answers, in chat form: translate.
 */
export const responsesMode = settingsGroup((env): "translate" | "native" => {
  const mode = env.OPENAI_RESPONSES || "translate";
  if (mode !== "translate" && mode !== "native") throw badConfig("OPENAI_RESPONSES must be translate or native");
  return env.OPENAI_API_KEY ? mode : "translate";
});
