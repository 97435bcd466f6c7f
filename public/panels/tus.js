// Upload (the tus feature): tus-js-client, so a file of any size goes in 16 MiB PATCHes past the 100 MB request cap,
// pauses and resumes, rides out a dropped connection, and picks up after a reload (tus-js-client remembers it in
// localStorage). The browser hashes the same file to compare with the server's SHA-256.
import { Upload } from "/build/tus.js";
import { $, asksForToken, authHeaders, describe, promptForToken, section } from "../page.js";

const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

export default function tusPanel() {
  const panel = section(
    "upload",
    `<h2 id="upload-title">Upload <small>resumable (tus), streamed to R2</small></h2>
    <input id="upload-file" type="file" />
    <button id="upload-pause" type="button" disabled>Pause</button>
    <progress id="upload-progress" max="1" value="0"></progress>
    <dl>
      <dt>Size</dt><dd id="upload-size">–</dd>
      <dt>SHA-256 from the server</dt><dd id="upload-server-sha">–</dd>
      <dt>SHA-256 in this browser</dt><dd id="upload-browser-sha">–</dd>
    </dl>
    <p class="status" id="upload-status">idle</p>`,
  );
  let current;
  panel.querySelector("#upload-file").addEventListener("change", async () => {
    const file = $("upload-file").files?.[0];
    if (!file) return;
    current?.abort();
    const bar = $("upload-progress");
    $("upload-status").textContent = "uploading";
    $("upload-size").textContent = $("upload-server-sha").textContent = $("upload-browser-sha").textContent = "–";
    crypto.subtle.digest("SHA-256", await file.arrayBuffer()).then((digest) => ($("upload-browser-sha").textContent = hex(new Uint8Array(digest))));
    const upload = new Upload(file, {
      endpoint: "/api/files/",
      chunkSize: 16 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
      removeFingerprintOnSuccess: true,
      onBeforeRequest: (req) => {
        for (const [name, value] of Object.entries(authHeaders())) req.setHeader(name, value);
      },
      onProgress: (sent, total) => {
        bar.value = total ? sent / total : 0;
        $("upload-status").textContent = `uploading: ${Math.round((100 * sent) / total)}%`;
      },
      onError: (error) => {
        if (error.originalResponse?.getStatus() === 401 && asksForToken(error.originalResponse.getBody() ?? "") && promptForToken()) {
          return upload.start();
        }
        $("upload-status").textContent = describe(error);
      },
      onSuccess: async () => {
        // The server's SHA-256 of the whole object: Repr-Digest on the tus URL, base64.
        const head = await fetch(upload.url, { method: "HEAD", headers: { "tus-resumable": "1.0.0", ...authHeaders() } });
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
  panel.querySelector("#upload-pause").addEventListener("click", () => {
    if (!current) return;
    const paused = $("upload-pause").textContent === "Resume";
    if (paused) current.start();
    else void current.abort();
    $("upload-pause").textContent = paused ? "Pause" : "Resume";
    if (!paused) $("upload-status").textContent = "paused";
  });
  return panel;
}
