// Builds the web app into src/next_node/web/dist with esbuild (npm, no network): one ES module
// bundling the app and ethers.js, minified, and the static files beside it. The gateway serves
// the folder; nothing comes from outside at run time.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "next_node", "web", "dist");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  outfile: join(out, "app.js"),
  legalComments: "linked",
  logLevel: "warning",
});
for (const file of ["index.html", "style.css", "manifest.webmanifest", "icon.svg", "sw.js"]) {
  copyFileSync(join(here, file), join(out, file));
}
