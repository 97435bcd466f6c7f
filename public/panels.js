// The demo page's panels, one line each: a feature's panel is public/panels/<feature>.js, and
// `npm run remove-feature -- <feature>` deletes it and its lines here.
import chat from "./panels/chat.js";
import progressive from "./panels/progressive.js";
import tus from "./panels/tus.js";
import proxy from "./panels/proxy.js";

export const panels = [
  chat,
  progressive,
  tus,
  proxy,
];
