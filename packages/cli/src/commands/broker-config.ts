import { pbkdf2Sync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  allComponents,
  componentId,
  credentialFileName,
  errorMessage,
  externalOperatorUsername,
  externalUsername,
  isWanpilotError,
  mosquittoAcl,
  OPERATOR_CREDENTIAL_FILE,
} from "@wanpilot/common";
import { readSecretFile, readUserPassword, writeSecretFile } from "@wanpilot/runtime";
import { loadConfig } from "../config.js";
import type { Output } from "../output.js";

/** A line of Mosquitto's password_file: PBKDF2-SHA512, 101 rounds, 12-byte salt (mosquitto_passwd's `$7$`). */
export function mosquittoPasswordLine(username: string, password: string, salt = randomBytes(12)): string {
  const hash = pbkdf2Sync(password, salt, 101, 64, "sha512");
  return `${username}:$7$101$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** The part's password from bus.credentials_dir, made (random, 0600) when it is not there yet. */
function partPassword(dir: string, file: string, what: string): string {
  const path = join(dir, file);
  if (!existsSync(path)) writeSecretFile(path, `${randomBytes(24).toString("base64url")}\n`);
  return readSecretFile(path, what);
}

/**
 * `wanpilot broker-config --mosquitto <dir>`: for an external Mosquitto (bus.url), each part's password
 * file in bus.credentials_dir (made when missing), and in <dir> the password_file, the acl_file and a
 * conf snippet that includes them, granting what the embedded broker grants.
 */
export function runBrokerConfig(out: Output, opts: { config?: string; mosquitto: string }): number {
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const { config } = loaded;
  const credDir = config.bus.credentials_dir;
  if (config.bus.url === undefined || credDir === undefined) {
    out.err(
      "broker-config needs bus.url and bus.credentials_dir in the config (an external broker, one password per part)",
    );
    return 1;
  }
  const links = config.links.map((l) => l.name);
  try {
    mkdirSync(credDir, { recursive: true, mode: 0o700 });
    mkdirSync(opts.mosquitto, { recursive: true, mode: 0o755 });
    const lines = allComponents(links).map((c) =>
      mosquittoPasswordLine(
        externalUsername(config.gateway, c),
        partPassword(credDir, credentialFileName(c), `the password file of ${componentId(c)}`),
      ),
    );
    lines.push(
      mosquittoPasswordLine(
        externalOperatorUsername(config.gateway),
        partPassword(credDir, OPERATOR_CREDENTIAL_FILE, "the operator's password file"),
      ),
    );
    const reader = readUserPassword(config.bus, "bus");
    if (reader !== undefined) lines.push(mosquittoPasswordLine(reader.username, reader.password));
    const passwd = join(opts.mosquitto, "passwd");
    const acl = join(opts.mosquitto, "acl");
    writeFileSync(passwd, `${lines.join("\n")}\n`, { mode: 0o600 });
    writeFileSync(acl, mosquittoAcl(config.gateway, links, config.bus.username), { mode: 0o644 });
    writeFileSync(
      join(opts.mosquitto, "wanpilot.conf"),
      `# include from mosquitto.conf (include_dir) or copy into a listener's settings\nallow_anonymous false\npassword_file ${passwd}\nacl_file ${acl}\n`,
      { mode: 0o644 },
    );
    out.out(
      `wrote ${passwd}, ${acl} and ${join(opts.mosquitto, "wanpilot.conf")}; part passwords in ${credDir}`,
    );
    return 0;
  } catch (err: unknown) {
    if (!isWanpilotError(err) && !(err instanceof Error)) throw err;
    out.err(`wanpilot broker-config: ${errorMessage(err)}`);
    return 1;
  }
}
