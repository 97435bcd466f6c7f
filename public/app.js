// The demo page. Every stream is read with the same helpers the tests use: src/client, bundled to /build/client.js.
import { progressive, readResumable, StreamError } from "/build/client.js";
import { Upload } from "/build/tus.js";

const $ = (id) => document.getElementById(id);

/** Words for an error a person can act on. */
function describe(error) {
  if (error instanceof StreamError) return `${error.message} (${error.code})`;
  if (error?.name === "AbortError") return "stopped";
  return String(error?.message ?? error);
}

/** The Authorization header for the API token this tab was given, if any. */
function authHeaders() {
  const token = sessionStorage.getItem("apiToken");
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** fetch with the API token, asked for once when the Worker wants one and kept for this tab's session. */
async function authFetch(url, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(authHeaders())) headers.set(name, value);
  const response = await fetch(url, { ...init, headers });
  // token_not_configured: the Worker has no token to give, so asking for one is no help; its message is shown.
  if (response.status !== 401 || init.retried || !asksForToken(await response.clone().text())) return response;
  const entered = prompt("This Worker needs its API token:");
  if (!entered) return response;
  sessionStorage.setItem("apiToken", entered);
  return authFetch(url, { ...init, retried: true });
}

/** A 401's body asks for the token, unless it says the deployment has none (API_TOKEN unset, ALLOW_ANONYMOUS false). */
function asksForToken(body) {
  return !body.includes("token_not_configured");
}

// Chat: a resumable stream (?resume=1), so a dropped connection (a phone changing networks) costs nothing: the reader
// reconnects with the last event id and the answer goes on where it stopped. Stop aborts the request and cancels
// the stream (DELETE), which stops the model.
let chatAbort;
let chatLocation;
$("chat-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const output = $("chat-output");
  const status = $("chat-status");
  output.textContent = "";
  chatAbort = new AbortController();
  chatLocation = undefined;
  $("chat-send").disabled = true;
  $("chat-stop").disabled = false;
  status.textContent = "streaming";
  try {
    const response = await authFetch("/api/chat?resume=1", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: $("chat-input").value }),
      signal: chatAbort.signal,
    });
    chatLocation = response.headers.get("content-location") ?? undefined;
    const reader = readResumable(response, {
      signal: chatAbort.signal,
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
$("chat-stop").addEventListener("click", () => {
  chatAbort?.abort();
  if (chatLocation) void authFetch(chatLocation, { method: "DELETE" });
});

// Progressive: each part renders the moment its record arrives, in whatever order that is.
$("progressive-load").addEventListener("click", async () => {
  const order = $("progressive-order");
  order.replaceChildren();
  const render = async (id, part, label) => {
    const list = $(id);
    list.dataset.state = "loading";
    list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "loading…" }));
    try {
      const items = await part;
      list.replaceChildren(...items.map((item) => Object.assign(document.createElement("li"), { textContent: label(item) })));
      list.dataset.state = "done";
      order.append(Object.assign(document.createElement("li"), { textContent: id }));
    } catch (error) {
      list.replaceChildren(Object.assign(document.createElement("li"), { textContent: describe(error) }));
      list.dataset.state = "error";
    }
  };
  try {
    const data = progressive(await authFetch("/api/progressive?users=800&tasks=300"));
    await Promise.all([
      render("tasks", data.tasks, (task) => `${task.done ? "✓" : "○"} ${task.title}`),
      render("users", data.users, (user) => user.name),
    ]);
  } catch (error) {
    $("tasks").replaceChildren(Object.assign(document.createElement("li"), { textContent: describe(error) }));
  }
});

// Upload: tus (tus-js-client), so a file of any size goes in 16 MiB PATCHes past the 100 MB request cap, pauses and
// resumes, rides out a dropped connection, and picks up after a reload (tus-js-client remembers it in localStorage).
// The browser hashes the same file to compare with the server's SHA-256.
let current;
$("upload-file").addEventListener("change", async () => {
  const file = $("upload-file").files?.[0];
  if (!file) return;
  current?.abort();
  const bar = $("upload-progress");
  $("upload-status").textContent = "uploading";
  $("upload-size").textContent = $("upload-server-sha").textContent = $("upload-browser-sha").textContent = "–";
  const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  crypto.subtle.digest("SHA-256", await file.arrayBuffer()).then((digest) => ($("upload-browser-sha").textContent = hex(new Uint8Array(digest))));
  const token = () => sessionStorage.getItem("apiToken");
  const upload = new Upload(file, {
    endpoint: "/api/files/",
    chunkSize: 16 * 1024 * 1024,
    retryDelays: [0, 1000, 3000, 5000, 10000],
    metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
    removeFingerprintOnSuccess: true,
    onBeforeRequest: (req) => token() && req.setHeader("authorization", `Bearer ${token()}`),
    onProgress: (sent, total) => {
      bar.value = total ? sent / total : 0;
      $("upload-status").textContent = `uploading: ${Math.round((100 * sent) / total)}%`;
    },
    onError: (error) => {
      if (error.originalResponse?.getStatus() === 401 && asksForToken(error.originalResponse.getBody() ?? "")) {
        const entered = prompt("This Worker needs its API token:");
        if (entered) return sessionStorage.setItem("apiToken", entered), upload.start();
      }
      $("upload-status").textContent = describe(error);
    },
    onSuccess: async () => {
      // The server's SHA-256 of the whole object: Repr-Digest on the tus URL, base64.
      const head = await fetch(upload.url, { method: "HEAD", headers: { "tus-resumable": "1.0.0", ...(token() ? { authorization: `Bearer ${token()}` } : {}) } });
      const digest = /^sha-256=:(.+):$/.exec(head.headers.get("repr-digest") ?? "")?.[1];
      bar.value = 1;
      $("upload-size").textContent = `${head.headers.get("upload-offset")} bytes`;
      $("upload-server-sha").textContent = digest ? hex(Uint8Array.from(atob(digest), (c) => c.charCodeAt(0))) : "–";
      $("upload-status").textContent = "stored";
    },
  });
  current = upload;
  $("upload-pause").disabled = false;
  $("upload-pause").textContent = "Pause";
  // The same file after a reload (or a failure) continues where it stopped.
  const previous = await upload.findPreviousUploads();
  if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
  upload.start();
});
$("upload-pause").addEventListener("click", () => {
  if (!current) return;
  const paused = $("upload-pause").textContent === "Resume";
  if (paused) current.start();
  else void current.abort();
  $("upload-pause").textContent = paused ? "Pause" : "Resume";
  if (!paused) $("upload-status").textContent = "paused";
});

// Proxy: the chunks route through /proxy/self, each chunk shown the moment it arrives.
$("proxy-start").addEventListener("click", async () => {
  const output = $("proxy-output");
  const bar = $("proxy-progress");
  output.textContent = "";
  bar.value = 0;
  $("proxy-status").textContent = "downloading";
  try {
    const response = await authFetch(`/proxy/self/api/chunks?count=${bar.max}&interval=150`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let received = 0;
    for (let step = await reader.read(); !step.done; step = await reader.read()) {
      output.textContent += step.value;
      received += step.value.length;
      bar.value = output.textContent.split("\n").length - 1;
      $("proxy-status").textContent = `${received} bytes`;
    }
    $("proxy-status").textContent = `done: ${received} bytes`;
  } catch (error) {
    $("proxy-status").textContent = describe(error);
  }
});
