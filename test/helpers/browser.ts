import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

/** Debian's chromium (scripts/setup.sh installs it); nothing here ever downloads a browser. */
export const CHROMIUM = "/usr/bin/chromium";

export const hasChromium = (): boolean => existsSync(CHROMIUM);

/**
 * Headless chromium inside a lab namespace (the page listens on the namespace's loopback, never the
 * host's network). Playwright talks to the browser over the pipes it hands to the executable, which a
 * small launcher keeps through `ip netns exec` (exec: no process in between).
 */
export async function launchInNamespace(ns: string, dir: string): Promise<Browser> {
  const launcher = join(dir, "chromium-in-netns");
  writeFileSync(launcher, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`);
  chmodSync(launcher, 0o755);
  return await chromium.launch({
    executablePath: launcher,
    headless: true,
    timeout: 60_000,
    args: ["--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
}
