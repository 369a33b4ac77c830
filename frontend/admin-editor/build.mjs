// Bundles src/editor.js (CodeMirror 6 and the HTML/CSS parsers, from package-lock.json) into the
// one static file the template admin loads. The bundle is committed so the admin works on
// machines without Node; `npm run check` (CI) fails when it is not what this lockfile builds.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

const outfile = fileURLToPath(new URL("../../templates_app/static/templates_app/admin/editor.js", import.meta.url));
const result = await build({
  entryPoints: [fileURLToPath(new URL("src/editor.js", import.meta.url))],
  bundle: true, minify: true, format: "iife", target: "es2020", legalComments: "eof", write: false, outfile,
});
const bundle = result.outputFiles[0].contents;
if (process.argv.includes("--check")) {
  let committed = null;
  try { committed = readFileSync(outfile); } catch { /* missing: not the same */ }
  if (!committed || Buffer.compare(committed, Buffer.from(bundle)) !== 0) {
    console.error("templates_app/static/templates_app/admin/editor.js is not what frontend/admin-editor builds: run `npm run build` there and commit it.");
    process.exit(1);
  }
  console.log("editor.js matches its build.");
} else {
  writeFileSync(outfile, bundle);
  console.log(`editor.js: ${(bundle.length / 1024).toFixed(1)} kB`);
}
