// Chat (the chat feature): a durable stream (?resume=1), so a dropped connection (a phone changing networks) costs
// nothing: the reader reconnects with the last event id and the answer goes on where it stopped. Stop aborts the
// request and cancels the stream (DELETE), which stops the model.
import { readResumable } from "/build/client.js";
import { $, authFetch, authHeaders, describe, section } from "../page.js";

export default function chatPanel() {
  const panel = section(
    "chat",
    `<h2 id="chat-title">Chat <small>SSE, resumable</small></h2>
    <form id="chat-form">
      <input id="chat-input" name="message" placeholder="Ask the model something" value="Tell me about streaming" required />
      <button id="chat-send" type="submit">Send</button>
      <button id="chat-stop" type="button" disabled>Stop</button>
    </form>
    <output id="chat-output" aria-live="polite"></output>
    <p class="status" id="chat-status">idle</p>`,
  );
  let abort;
  let location;
  panel.querySelector("#chat-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const output = $("chat-output");
    const status = $("chat-status");
    output.textContent = "";
    abort = new AbortController();
    location = undefined;
    $("chat-send").disabled = true;
    $("chat-stop").disabled = false;
    status.textContent = "streaming";
    try {
      const response = await authFetch("/api/chat?resume=1", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: $("chat-input").value }),
        signal: abort.signal,
      });
      location = response.headers.get("content-location") ?? undefined;
      const reader = readResumable(response, {
        signal: abort.signal,
        headers: authHeaders(),
        onReconnect: (attempt) => (status.textContent = `connection lost: reconnecting (${attempt})…`),
      });
      // The records of each network read at once: a replay after a reconnect is one render, however long it is.
      // Text deltas are strings; reasoning, refusals and tool calls are { event, data } records.
      for await (const records of reader.batches()) {
        let text = "";
        let thinking = false;
        for (const record of records) {
          if (typeof record === "string") text += record;
          else if (record.event === "refusal") text += record.data;
          else if (record.event === "reasoning") thinking = true;
        }
        output.textContent += text;
        status.textContent = thinking && !text ? "thinking…" : "streaming";
      }
      const summary = await reader.summary;
      status.textContent = `done: ${summary?.finish_reason ?? "complete"}`;
    } catch (error) {
      status.textContent = describe(error);
    } finally {
      $("chat-send").disabled = false;
      $("chat-stop").disabled = true;
    }
  });
  panel.querySelector("#chat-stop").addEventListener("click", () => {
    abort?.abort();
    if (location) void authFetch(location, { method: "DELETE" });
  });
  return panel;
}
