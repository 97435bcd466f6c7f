// npm run remove-feature -- <name>: takes a feature out of the project. Deletes src/features/<name>/,
// test/features/<name>/, its page panel (public/panels/<name>.js) and its docs page (docs/<name>.md); removes its
// lines from src/index.ts and public/panels.js, its blocks from wrangler.toml (between `# feature: <name>` and
// `# end feature: <name>`), its row from the README's feature table and its tests' rows from test/README.md. A
// Durable Object class it declared gets a `deleted_classes` migration, as Cloudflare requires before a class can go.
// Then it lists what still mentions the feature, for you to read. Features never import each other, so the rest builds and passes its tests.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const name = process.argv[2];
const features = readdirSync(join(root, "src/features"));
if (!name || !features.includes(name)) {
  console.error(`usage: npm run remove-feature -- <name>, one of: ${features.join(", ")}`);
  process.exit(1);
}

const read = (file) => readFileSync(join(root, file), "utf8");
const write = (file, text) => writeFileSync(join(root, file), text);
const removed = [];

// Its folders and files.
for (const path of [`src/features/${name}`, `test/features/${name}`, `public/panels/${name}.js`, `docs/${name}.md`]) {
  if (!existsSync(join(root, path))) continue;
  rmSync(join(root, path), { recursive: true, force: true });
  removed.push(path);
}

/** Removes the import of `module` (and any line importing from inside it) and the list entry it named. */
function removeFromList(file, module) {
  const lines = read(file).split("\n");
  const imported = lines.map((line) => new RegExp(`^import (\\w+) from "${module}";$`).exec(line)?.[1]).find(Boolean);
  const kept = lines.filter((line) => !line.includes(`"${module}"`) && !line.includes(`"${module}/`) && !(imported && line.trim() === `${imported},`));
  if (kept.length === lines.length) return;
  write(file, kept.join("\n"));
  removed.push(`${file}: ${lines.length - kept.length} lines`);
}
removeFromList("src/index.ts", `./features/${name}`);
if (existsSync(join(root, "public/panels.js"))) removeFromList("public/panels.js", `./panels/${name}.js`);

// Its wrangler.toml blocks, and a migration deleting any Durable Object class they bound.
let toml = read("wrangler.toml");
const block = new RegExp(`\\n# feature: ${name}\\n[\\s\\S]*?\\n# end feature: ${name}\\n`, "g");
const blocks = toml.match(block) ?? [];
if (blocks.length > 0) {
  toml = toml.replace(block, "\n").replace(/\n{3,}/g, "\n\n");
  const classes = blocks.flatMap((text) => [...text.matchAll(/class_name = "(\w+)"/g)].map((match) => match[1]));
  if (classes.length > 0) {
    const tags = [...toml.matchAll(/^tag = "v(\d+)"$/gm)].map((match) => Number(match[1]));
    const next = Math.max(0, ...tags) + 1;
    toml = `${toml.trimEnd()}\n\n# The ${name} feature was removed: its objects and their storage are deleted on the next deploy.\n[[migrations]]\ntag = "v${next}"\ndeleted_classes = [${classes.map((c) => `"${c}"`).join(", ")}]\n`;
  }
  write("wrangler.toml", toml);
  removed.push(`wrangler.toml: ${blocks.length} block(s)${classes.length ? `, deleted_classes ${classes.join(", ")}` : ""}`);
}

// Its row in the README's feature table.
const readme = read("README.md");
const rows = readme.split("\n").filter((line) => !(line.startsWith("|") && line.includes(`(docs/${name}.md)`)));
if (rows.join("\n") !== readme) {
  write("README.md", rows.join("\n"));
  removed.push("README.md: its row in the feature table");
}

// Its tests' rows in the test map (test/README.md), whose files went with test/features/<name>/.
if (existsSync(join(root, "test/README.md"))) {
  const map = read("test/README.md");
  const kept = map.split("\n").filter((line) => !line.startsWith(`| \`test/features/${name}/`));
  if (kept.join("\n") !== map) {
    write("test/README.md", kept.join("\n"));
    removed.push(`test/README.md: ${map.split("\n").length - kept.length} rows`);
  }
}

// The Env type, from the wrangler.toml that is left.
try {
  execFileSync(join(root, "node_modules/.bin/wrangler"), ["types", "--include-runtime=false", "--strict-vars=false"], { cwd: root, stdio: "ignore" });
} catch {
  removed.push("worker-configuration.d.ts NOT regenerated (is `npm install` done?): run `npm run cf-typegen`");
}

console.log(`removed the ${name} feature:\n${removed.map((line) => `  ${line}`).join("\n")}`);
let mentions = "";
try {
  mentions = execFileSync("git", ["grep", "-n", "-I", "-e", `features/${name}`, "-e", `docs/${name}.md`, "-e", `panels/${name}.js`, "--", ".", ":!package-lock.json"], { cwd: root, encoding: "utf8" });
} catch {
  // git grep exits 1 when nothing matches, or there is no repository.
}
if (mentions) console.log(`still mentioning it (read these):\n${mentions}`);
