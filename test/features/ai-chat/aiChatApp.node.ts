// A minimal useChat page, bundled by test/browser/aiChat.test.ts: what a React app using this Worker's /api/ai/chat
// looks like. Messages are kept in sessionStorage once an answer is done, so a reload shows the chat and resumes the
// answer that was running.
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport, type UIMessage } from "ai";
import { createElement as h, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

const chatId = sessionStorage.getItem("chatId") ?? `chat-${crypto.randomUUID()}`;
sessionStorage.setItem("chatId", chatId);
const saved = JSON.parse(sessionStorage.getItem("messages") ?? "[]") as UIMessage[];

function App() {
  const [input, setInput] = useState("");
  const { messages, sendMessage, status, stop } = useChat({
    id: chatId,
    messages: saved,
    resume: true,
    transport: new DefaultChatTransport({ api: "/api/ai/chat" }),
  });
  useEffect(() => {
    if (status === "ready") sessionStorage.setItem("messages", JSON.stringify(messages));
  }, [status, messages]);
  const text = (m: UIMessage) => m.parts.map((p) => (p.type === "text" ? p.text : "")).join("");
  return h(
    "main",
    null,
    h("p", { id: "status" }, status),
    ...messages.map((m) => h("p", { key: m.id, className: m.role }, text(m))),
    h("input", { id: "input", value: input, onChange: (e: { target: { value: string } }) => setInput(e.target.value) }),
    h("button", { id: "send", onClick: () => void sendMessage({ text: input }) }, "Send"),
    // useChat's stop() only closes the connection, which the durable answer outlives: DELETE stops the model.
    h("button", { id: "stop", onClick: () => void (stop(), fetch(`/api/ai/chat/${chatId}/stream`, { method: "DELETE" })) }, "Stop"),
  );
}

createRoot(document.getElementById("root")!).render(h(App));
