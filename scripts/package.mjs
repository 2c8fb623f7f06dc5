// `npm run package`: a release tarball of the built program (what `wanpilot install` copies), for a
// gateway without a build toolchain: tar xzf wanpilot-<version>-linux-<arch>.tar.gz, then as root
// node wanpilot-<version>/packages/cli/bin/wanpilot.js install
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listProgramFiles, SOURCE_ROOT } from "../packages/cli/dist/commands/install.js";

const version = JSON.parse(readFileSync(join(SOURCE_ROOT, "packages/cli/package.json"), "utf8")).version;
const name = `wanpilot-${version}`;
// The native module (better-sqlite3) is built for this machine: the tarball is for the same arch and Node major.
const tarball = join(
  SOURCE_ROOT,
  `${name}-linux-${process.arch}-node${process.versions.node.split(".")[0]}.tar.gz`,
);
const stage = mkdtempSync(join(tmpdir(), "wanpilot-package-"));
try {
  for (const f of listProgramFiles(SOURCE_ROOT))
    cpSync(join(SOURCE_ROOT, f), join(stage, name, f), { recursive: true, verbatimSymlinks: true });
  execFileSync("tar", ["-czf", tarball, "-C", stage, name], { stdio: "inherit", timeout: 300_000 });
  console.log(tarball);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
