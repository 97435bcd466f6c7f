import * as z from "zod";
import { chatParams } from "../../model/chatParams";
import { modelUpstreams } from "../../model/modelClient";
import { ModelAnswer } from "../../model/ModelAnswer";
import { chatLimits } from "../../model/streamChat";
import { mcpTool, textResult } from "./McpTool";

// Progress messages repeat the answer so far; past this many characters of them they carry the progress count only,
// so a long answer's stream stays far inside DURABLE_MAX_BYTES. The result always has the whole answer.
const PROGRESS_TEXT_BUDGET = 256 * 1024;

/**
 * `chat`: the model's answer to a prompt, through the shared model pipeline (fallbacks, usage, the offline model). While
 * it is written, each text delta is a progress notification whose `message` is the answer so far; the result is the
 * whole answer. Cancelling the call stops the model.
 */
export const chatTool = mcpTool({
  name: "chat",
  title: "Ask the model",
  description: "Answers a prompt with this server's model, streaming the answer as progress notifications.",
  input: z.object({
    prompt: z.string().min(1).describe("What to ask the model"),
    maxTokens: z.number().int().min(1).optional().describe("The longest answer, in tokens (at most the server's CHAT_MAX_TOKENS)"),
  }),
  usesModel: true,
  async run({ prompt, maxTokens }, call) {
    const config = call.model!;
    const params = chatParams({ message: prompt, max_tokens: maxTokens }, config);
    const answer = new ModelAnswer(modelUpstreams(config), call.context, call.env);
    let text = "";
    let deltas = 0;
    let budget = PROGRESS_TEXT_BUDGET;
    await answer.chat(params, chatLimits(config, call.signal), (delta) => {
      if (!delta.content) return;
      text += delta.content;
      budget -= text.length;
      call.progress(++deltas, undefined, budget > 0 ? text : undefined);
    });
    return textResult(text);
  },
});
