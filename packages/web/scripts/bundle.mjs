// Bundles the page (client/) into dist/public with esbuild: one script, one stylesheet, the HTML.
// Run by the root build (`npm run build`, `prepare`) after `tsc -b` has type-checked client/.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "public");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(root, "client", "main.ts") },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022"],
  outdir: out,
  legalComments: "none",
  logLevel: "warning",
});
for (const f of ["index.html", "favicon.svg"]) copyFileSync(join(root, "client", f), join(out, f));
