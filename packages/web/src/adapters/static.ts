import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { WanpilotError } from "@wanpilot/common";

/** The bundle `npm run build` writes (scripts/bundle.mjs), the same from src/ and dist/. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL("../../dist/public/", import.meta.url));

export interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
  "/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
};

/** Every file of the page, read and compressed once at start (a few hundred KB, never re-read). */
export function loadAssets(dir: string = DEFAULT_PUBLIC_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [path, { file, type }] of Object.entries(FILES)) {
    let body: Buffer;
    try {
      body = readFileSync(join(dir, file));
    } catch (err: unknown) {
      throw new WanpilotError(
        "USAGE",
        `the web page is not built (no ${join(dir, file)}): run npm run build`,
        {
          cause: err,
        },
      );
    }
    assets.set(path, { type, body, gzip: gzipSync(body, { level: 9 }) });
  }
  return assets;
}
