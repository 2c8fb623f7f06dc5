import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";

/**
 * A PATH directory whose `ip`, `nft`, `conntrack` and `sysctl` log their argv (and the script they
 * read on stdin for `-f -` / `-batch -`) to a file, then run the real command. Whatever wanpilot
 * puts on a command line ends up in the log.
 */
export interface CommandShim {
  dir: string;
  log: string;
  /** PATH with the shim first. */
  path: string;
  read(): string;
  clear(): void;
}

const COMMANDS = ["ip", "nft", "conntrack", "sysctl"];

export async function createShim(root: string): Promise<CommandShim> {
  const dir = join(root, "shim-bin");
  const log = join(root, "commands.log");
  mkdirSync(dir, { recursive: true });
  writeFileSync(log, "");
  for (const cmd of COMMANDS) {
    const real = (await execa("sh", ["-c", `command -v ${cmd}`], { reject: false })).stdout.trim();
    if (real === "") continue;
    const script = `#!/bin/sh
{ printf '%s' ${cmd}; for a in "$@"; do printf ' <%s>' "$a"; done; printf '\\n'; } >> '${log}'
last=""
for a in "$@"; do last="$a"; done
if [ "$last" = "-" ]; then
  tee -a '${log}' | '${real}' "$@"
  exit $?
fi
exec '${real}' "$@"
`;
    writeFileSync(join(dir, cmd), script);
    chmodSync(join(dir, cmd), 0o755);
  }
  return {
    dir,
    log,
    path: `${dir}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`,
    read: () => readFileSync(log, "utf8"),
    clear: () => writeFileSync(log, ""),
  };
}
