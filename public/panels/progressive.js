// Progressive (the progressive feature): each part renders the moment its record arrives, in whatever order that is.
import { progressive } from "/build/client.js";
import { $, authFetch, describe, section } from "../page.js";

export default function progressivePanel() {
  const panel = section(
    "progressive",
    `<h2 id="progressive-title">Progressive <small>JSON Lines</small></h2>
    <button id="progressive-load" type="button">Load users and tasks</button>
    <div class="columns">
      <div><h3>Tasks</h3><ul id="tasks" data-state="idle"></ul></div>
      <div><h3>Users</h3><ul id="users" data-state="idle"></ul></div>
    </div>
    <ol id="progressive-order" class="log"></ol>`,
  );
  const item = (text) => Object.assign(document.createElement("li"), { textContent: text });
  panel.querySelector("#progressive-load").addEventListener("click", async () => {
    const order = $("progressive-order");
    order.replaceChildren();
    const render = async (id, part, label) => {
      const list = $(id);
      list.dataset.state = "loading";
      list.replaceChildren(item("loading…"));
      try {
        const items = await part;
        list.replaceChildren(...items.map((entry) => item(label(entry))));
        list.dataset.state = "done";
        order.append(item(id));
      } catch (error) {
        list.replaceChildren(item(describe(error)));
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
      $("tasks").replaceChildren(item(describe(error)));
    }
  });
  return panel;
}
