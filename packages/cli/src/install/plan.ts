import { posix } from "node:path";

/**
 * `wanpilot install` / `uninstall` as data: what goes where under a root ("/" on a gateway, a scratch
 * directory in tests). The adapter (apply.ts) carries the steps out; kernel and systemctl steps are only
 * planned for the real root, so an install into a scratch root never touches the host.
 */
export type InstallStep =
  | { kind: "copy"; from: string; to: string }
  | { kind: "write"; path: string; text: string; mode: number; keepExisting: boolean; owner?: "wanpilot" }
  | { kind: "symlink"; path: string; target: string }
  | { kind: "sysusers"; file: string }
  | { kind: "remove"; path: string }
  | { kind: "systemctl"; args: string[] }
  /** Enablement symlinks named wanpilot* in <dir>/*.wants (prober instances included). */
  | { kind: "unlink-wants"; dir: string }
  | { kind: "cleanup" };

export const PROGRAM_DIR = "/usr/lib/wanpilot";
export const BIN_LINK = "/usr/bin/wanpilot";
export const UNIT_DIR = "/usr/lib/systemd/system";
export const SYSUSERS_FILE = "/usr/lib/sysusers.d/wanpilot.conf";
export const CONFIG_FILE = "/etc/wanpilot/wanpilot.yaml";
const LAUNCHER = "packages/cli/bin/wanpilot.js";

/** The system user and group every unit runs as (systemd-sysusers creates both). */
export const SYSUSERS_TEXT = 'u wanpilot - "wanpilot multi-WAN gateway" /var/lib/wanpilot\n';

export interface InstallInput {
  /** "/" or a scratch directory. */
  root: string;
  /** The checkout or unpacked tarball the program is copied from. */
  source: string;
  /** Paths relative to `source` that form the program (see programFiles). */
  files: string[];
  /** Unit file name → text, as in deploy/systemd. */
  units: Record<string, string>;
  /** The node binary the units run (the one running the installer). */
  nodePath: string;
  /** The config skeleton (an example), written only when no config exists. */
  configSkeleton: string;
}

const under = (root: string, path: string) => posix.join(root, path);

/** Units run /usr/bin/node; another node (nvm, /usr/local) is written in its place. */
export function unitText(text: string, nodePath: string): string {
  return nodePath === "/usr/bin/node" ? text : text.replaceAll("/usr/bin/node ", `${nodePath} `);
}

export function installPlan(input: InstallInput): InstallStep[] {
  const { root } = input;
  const real = root === "/";
  const steps: InstallStep[] = [
    // A fresh copy: files of an older version must not linger next to the new ones.
    { kind: "remove", path: under(root, PROGRAM_DIR) },
    ...input.files.map(
      (f): InstallStep => ({
        kind: "copy",
        from: posix.join(input.source, f),
        to: posix.join(under(root, PROGRAM_DIR), f),
      }),
    ),
    { kind: "remove", path: under(root, BIN_LINK) },
    { kind: "symlink", path: under(root, BIN_LINK), target: posix.join(PROGRAM_DIR, LAUNCHER) },
    {
      kind: "write",
      path: under(root, SYSUSERS_FILE),
      text: SYSUSERS_TEXT,
      mode: 0o644,
      keepExisting: false,
    },
    { kind: "sysusers", file: under(root, SYSUSERS_FILE) },
    ...Object.entries(input.units).map(
      ([name, text]): InstallStep => ({
        kind: "write",
        path: under(root, posix.join(UNIT_DIR, name)),
        text: unitText(text, input.nodePath),
        mode: 0o644,
        keepExisting: false,
      }),
    ),
    {
      kind: "write",
      path: under(root, CONFIG_FILE),
      text: input.configSkeleton,
      mode: 0o640,
      keepExisting: true,
      owner: "wanpilot",
    },
  ];
  if (real) steps.push({ kind: "systemctl", args: ["daemon-reload"] });
  return steps;
}

export interface UninstallInput {
  root: string;
  unitNames: string[];
  /** Also remove the config (/etc/wanpilot) and the history (/var/lib/wanpilot). */
  purge: boolean;
}

export function uninstallPlan(input: UninstallInput): InstallStep[] {
  const { root } = input;
  const real = root === "/";
  const enabled = input.unitNames.filter((u) => !u.includes("@."));
  const steps: InstallStep[] = [];
  if (real)
    steps.push(
      { kind: "systemctl", args: ["stop", ...enabled, "wanpilot-prober@*.service"] },
      { kind: "systemctl", args: ["disable", ...enabled] },
      // With the router stopped, take its routes, rules and nft table out of the kernel, and restore the sysctls.
      { kind: "cleanup" },
    );
  steps.push(
    { kind: "unlink-wants", dir: under(root, "/etc/systemd/system") },
    ...input.unitNames.map(
      (u): InstallStep => ({ kind: "remove", path: under(root, posix.join(UNIT_DIR, u)) }),
    ),
    { kind: "remove", path: under(root, BIN_LINK) },
    { kind: "remove", path: under(root, PROGRAM_DIR) },
    { kind: "remove", path: under(root, SYSUSERS_FILE) },
  );
  if (input.purge)
    steps.push(
      { kind: "remove", path: under(root, "/etc/wanpilot") },
      { kind: "remove", path: under(root, "/var/lib/wanpilot") },
    );
  if (real) steps.push({ kind: "systemctl", args: ["daemon-reload"] });
  return steps;
}

/** Lockfile entries: which installed packages are development-only. */
export interface Lockfile {
  packages: Record<string, { dev?: boolean; link?: boolean; resolved?: string }>;
}

/** Runtime workspaces (bench and the sources stay behind). */
export const RUNTIME_WORKSPACES = [
  "common",
  "runtime",
  "lab",
  "prober",
  "router",
  "logger",
  "observer",
  "web",
  "cli",
];

/**
 * The files of a checkout that form the installed program: the root manifest, each runtime workspace's
 * manifest, dist and bin, and the non-development top-level node_modules entries of the lockfile.
 */
export function programFiles(lock: Lockfile, exists: (path: string) => boolean): string[] {
  const files = ["package.json", "package-lock.json", "deploy", "examples"];
  for (const ws of RUNTIME_WORKSPACES)
    for (const part of ["package.json", "dist", "bin"]) {
      const p = `packages/${ws}/${part}`;
      if (exists(p)) files.push(p);
    }
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) || entry.dev === true) continue;
    // Workspace links: only the runtime ones (their targets are copied above).
    if (entry.link === true && !RUNTIME_WORKSPACES.some((w) => entry.resolved === `packages/${w}`)) continue;
    if (exists(path)) files.push(path);
  }
  return files;
}
