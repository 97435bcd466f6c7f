// What every panel of the demo page shares: error words, and fetch with the API token when the Worker asks for one.
import { StreamError } from "/build/client.js";

export const $ = (id) => document.getElementById(id);

/** A panel's section, from its static markup: `<section id="…">` with a heading and the panel's controls. */
export function section(id, markup) {
  const element = Object.assign(document.createElement("section"), { id, innerHTML: markup });
  element.setAttribute("aria-labelledby", `${id}-title`);
  return element;
}

/** Words for an error a person can act on. */
export function describe(error) {
  if (error instanceof StreamError) return `${error.message} (${error.code})`;
  if (error?.name === "AbortError") return "stopped";
  return String(error?.message ?? error);
}

/** The Authorization header for the API token this tab was given, if any. */
export function authHeaders() {
  const token = sessionStorage.getItem("apiToken");
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A 401's body asks for the token, unless it says the deployment has none (API_TOKEN unset, ALLOW_ANONYMOUS false). */
export function asksForToken(body) {
  return !body.includes("token_not_configured");
}

/** Asks the person for the token and keeps it for this tab's session; false when they gave none. */
export function promptForToken() {
  const entered = prompt("This Worker needs its API token:");
  if (entered) sessionStorage.setItem("apiToken", entered);
  return Boolean(entered);
}

/** fetch with the API token, asked for once when the Worker wants one and kept for this tab's session. */
export async function authFetch(url, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(authHeaders())) headers.set(name, value);
  const response = await fetch(url, { ...init, headers });
  // token_not_configured: the Worker has no token to give, so asking for one is no help; its message is shown.
  if (response.status !== 401 || init.retried || !asksForToken(await response.clone().text())) return response;
  if (!promptForToken()) return response;
  return authFetch(url, { ...init, retried: true });
}
