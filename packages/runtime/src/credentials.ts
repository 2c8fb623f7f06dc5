import { createHmac, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WanpilotError } from "@wanpilot/common";

/** The embedded broker's secret: random at first start, kept for the boot in runtime_dir (a tmpfs under /run). */
export const BUS_SECRET_FILE = "bus.secret";

export function busSecretPath(runtimeDir: string): string {
  return join(runtimeDir, BUS_SECRET_FILE);
}

export function readBusSecret(runtimeDir: string): Buffer {
  const path = busSecretPath(runtimeDir);
  try {
    const hex = readFileSync(path, "utf8").trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error("not 64 hex digits");
    return Buffer.from(hex, "hex");
  } catch (err: unknown) {
    throw new WanpilotError(
      "BUS_UNAVAILABLE",
      `cannot read the bus secret ${path} (is the broker running?)`,
      { cause: err, details: { path } },
    );
  }
}

/** Reads the secret, or creates it (mode 0600) when absent, so a restarted broker keeps its clients' credentials valid. */
export function ensureBusSecret(runtimeDir: string): Buffer {
  try {
    return readBusSecret(runtimeDir);
  } catch {
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(32);
    const path = busSecretPath(runtimeDir);
    writeFileSync(path, `${secret.toString("hex")}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    return secret;
  }
}

/** Each internal component's password: HMAC of its username under the secret (nothing fixed in the code). */
export function deriveBusPassword(secret: Buffer, username: string): string {
  return createHmac("sha256", secret).update(username).digest("hex");
}
