import { createHmac, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isWanpilotError, WanpilotError } from "@wanpilot/common";
import { checkRuntimeDir, readSecretFile, writeSecretFile } from "./secret-files.js";

/** The embedded broker's secret: random at first start, kept for the boot in runtime_dir (a tmpfs under /run). */
export const BUS_SECRET_FILE = "bus.secret";

export function busSecretPath(runtimeDir: string): string {
  return join(runtimeDir, BUS_SECRET_FILE);
}

export function readBusSecret(runtimeDir: string): Buffer {
  const path = busSecretPath(runtimeDir);
  if (!existsSync(path))
    throw new WanpilotError(
      "BUS_UNAVAILABLE",
      `cannot read the bus secret ${path} (is the broker running?)`,
      {
        details: { path },
      },
    );
  const hex = readSecretFile(path, "the bus secret");
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new WanpilotError("BUS_UNAVAILABLE", `the bus secret ${path} is not 64 hex digits`, {
      details: { path },
    });
  return Buffer.from(hex, "hex");
}

/**
 * Reads the secret, or creates it (mode 0600) when absent, so a restarted broker keeps its clients'
 * credentials valid. runtime_dir is checked first (see checkRuntimeDir).
 */
export function ensureBusSecret(runtimeDir: string): Buffer {
  checkRuntimeDir(runtimeDir);
  try {
    return readBusSecret(runtimeDir);
  } catch (err: unknown) {
    if (!isWanpilotError(err, "BUS_UNAVAILABLE") || existsSync(busSecretPath(runtimeDir))) throw err;
  }
  const secret = randomBytes(32);
  writeSecretFile(busSecretPath(runtimeDir), `${secret.toString("hex")}\n`);
  return secret;
}

/** Each internal component's password: HMAC of its username under the secret (nothing fixed in the code). */
export function deriveBusPassword(secret: Buffer, username: string): string {
  return createHmac("sha256", secret).update(username).digest("hex");
}
