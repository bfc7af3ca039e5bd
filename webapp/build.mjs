// Builds the web app into src/next_node/web/dist with esbuild (npm, no network): one ES module
// bundling the app and ethers.js, minified, and the static files beside it; what only some pages
// need (the QR code reader) is a chunk of its own, loaded when used. The gateway serves the folder;
// nothing comes from outside at run time.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "next_node", "web", "dist");
rmSync(out, { recursive: true, force: true }); // no chunk of an earlier build stays
mkdirSync(out, { recursive: true });
const built = await build({
  entryPoints: [join(here, "src", "main.ts")],
  metafile: true,
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  splitting: true,
  outdir: out,
  entryNames: "app",
  chunkNames: "chunks/[name]-[hash]",
  legalComments: "linked",
  logLevel: "warning",
});
for (const file of ["index.html", "style.css", "manifest.webmanifest", "icon.svg"]) {
  copyFileSync(join(here, file), join(out, file));
}
function version(files) {
  const hash = createHash("sha256");
  for (const name of files) hash.update(readFileSync(join(out, name)));
  return hash.digest("hex").slice(0, 12);
}

// The service worker caches the shell at install: the app and the chunks it imports at once. A
// chunk loaded only when used (the QR reader) is fetched then, and cached then, never before.
const outputs = built.metafile.outputs;
const relative = (path) => path.slice(path.indexOf("dist/") + "dist/".length);
const shell = new Set();
const visit = (path) => {
  if (shell.has(relative(path))) return;
  shell.add(relative(path));
  for (const imported of outputs[path].imports) if (imported.kind === "import-statement") visit(imported.path);
};
visit(Object.keys(outputs).find((path) => path.endsWith("dist/app.js")));
const chunks = readdirSync(join(out, "chunks"))
  .filter((name) => name.endsWith(".js"))
  .map((name) => `chunks/${name}`);
const worker = readFileSync(join(here, "sw.js"), "utf8")
  .replace('"next-shell"', JSON.stringify(`next-shell-${version(["app.js", ...chunks])}`))
  .replace('"app.js"', [...shell].map((name) => JSON.stringify(name)).join(", "));
writeFileSync(join(out, "sw.js"), worker);

// Each file also gzipped beside it: the gateway answers the .gz to a browser that takes gzip.
for (const name of ["index.html", "style.css", "manifest.webmanifest", "icon.svg", "sw.js", "app.js", ...chunks]) {
  writeFileSync(join(out, `${name}.gz`), gzipSync(readFileSync(join(out, name)), { level: 9 }));
}
