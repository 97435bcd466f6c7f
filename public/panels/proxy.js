// Proxy (the proxy feature): a URL fetched through /proxy/<name>/, each chunk shown the moment it arrives. The default
// is the demo-streams feature's chunks through the "self" origin; any allow-listed origin's path works.
import { $, authFetch, describe, section } from "../page.js";

export default function proxyPanel() {
  const panel = section(
    "proxy",
    `<h2 id="proxy-title">Proxy <small>native pass-through</small></h2>
    <form id="proxy-form">
      <input id="proxy-url" type="text" aria-label="URL to download" value="/proxy/self/api/chunks?count=20&amp;interval=150" required />
      <button id="proxy-start" type="submit">Download</button>
    </form>
    <progress id="proxy-progress" max="20" value="0"></progress>
    <pre id="proxy-output"></pre>
    <p class="status" id="proxy-status">idle</p>`,
  );
  panel.querySelector("#proxy-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const output = $("proxy-output");
    const bar = $("proxy-progress");
    output.textContent = "";
    bar.value = 0;
    $("proxy-status").textContent = "downloading";
    try {
      const response = await authFetch($("proxy-url").value);
      if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
      // The bar counts lines against the count the URL asks for, when it names one.
      bar.max = Number(new URL($("proxy-url").value, location.href).searchParams.get("count")) || 20;
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
  return panel;
}
