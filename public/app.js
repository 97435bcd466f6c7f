// The demo page: each panel (public/panels/) is one kind of stream, read with the same helpers the tests use:
// src/client, bundled to /build/client.js.
import { panels } from "./panels.js";

const main = document.querySelector("main");
for (const panel of panels) main.append(panel());
