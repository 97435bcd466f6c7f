// Runs before `npm test` and `npm run check`: installs test/package.json's protocol oracles (the MCP SDK and its
// conformance suite) into test/node_modules, once, and again only when test/package-lock.json changes. They are not
// devDependencies because running the Worker needs none of them, and installing them with everything else would cost
// a fresh clone ~10 s before its first token.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const test = fileURLToPath(new URL("../test", import.meta.url));
const stamp = join(test, "node_modules", ".oracles-lock");
const lock = createHash("sha256").update(readFileSync(join(test, "package-lock.json"))).digest("hex");
if (existsSync(stamp) && readFileSync(stamp, "utf8") === lock) process.exit(0);

console.log("installing the tests' protocol oracles (test/package.json), once");
const npm = process.env.npm_execpath;
const [command, args] = npm?.endsWith(".js") ? [process.execPath, [npm]] : ["npm", []];
execFileSync(command, [...args, "ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: test, stdio: "inherit" });
writeFileSync(stamp, lock);
