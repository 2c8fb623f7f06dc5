import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { busSecretPath, ensureBusSecret } from "./credentials.js";
import { checkRuntimeDir, readSecretFile, readUserPassword } from "./secret-files.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wanpilot-secrets-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("runtime_dir is checked before a secret is written", () => {
  it("creates a missing runtime_dir 0700 and the secret 0600", () => {
    const run = join(dir, "run");
    ensureBusSecret(run);
    expect(statSync(run).mode & 0o777).toBe(0o700);
    expect(statSync(busSecretPath(run)).mode & 0o777).toBe(0o600);
  });

  it.each([
    [
      "world-writable",
      (run: string) => chmodSync(run, 0o777),
      /is writable by group or others \(mode 0777\)/,
    ],
    [
      "group-writable",
      (run: string) => chmodSync(run, 0o770),
      /is writable by group or others \(mode 0770\)/,
    ],
    ["owned by someone else", (run: string) => chownSync(run, 4321, 4321), /is owned by uid 4321/],
  ])("refuses a runtime_dir %s and writes nothing", (_name, spoil, message) => {
    const run = join(dir, "run");
    mkdirSync(run, { mode: 0o700 });
    spoil(run);
    expect(() => ensureBusSecret(run)).toThrow(message);
    expect(() => statSync(busSecretPath(run))).toThrow();
  });

  it("does not follow a symlinked runtime_dir", () => {
    const real = join(dir, "elsewhere");
    mkdirSync(real, { mode: 0o700 });
    const run = join(dir, "run");
    symlinkSync(real, run);
    expect(() => checkRuntimeDir(run)).toThrow(/is a symbolic link/);
    expect(() => ensureBusSecret(run)).toThrow(/is a symbolic link/);
    expect(() => statSync(busSecretPath(real))).toThrow();
  });

  it("does not write the secret through a symlink planted in runtime_dir", () => {
    const run = join(dir, "run");
    mkdirSync(run, { mode: 0o700 });
    symlinkSync(join(dir, "stolen"), busSecretPath(run));
    expect(() => ensureBusSecret(run)).toThrow();
    expect(() => statSync(join(dir, "stolen"))).toThrow();
  });

  it("refuses a bus secret others can read", () => {
    const run = join(dir, "run");
    mkdirSync(run, { mode: 0o700 });
    writeFileSync(busSecretPath(run), `${"ab".repeat(32)}\n`, { mode: 0o644 });
    chmodSync(busSecretPath(run), 0o644);
    expect(() => ensureBusSecret(run)).toThrow(/readable by everyone \(mode 0644\)/);
  });
});

describe("password files", () => {
  it("an empty one is refused with a clear message", () => {
    const file = join(dir, "bus.pass");
    writeFileSync(file, "\n", { mode: 0o600 });
    expect(() => readSecretFile(file, "bus.password_file")).toThrow(
      `bus.password_file ${file} is empty: it must hold the password`,
    );
  });

  it("a world-readable one is refused", () => {
    const file = join(dir, "bus.pass");
    writeFileSync(file, "secret\n");
    chmodSync(file, 0o644);
    expect(() => readSecretFile(file, "bus.password_file")).toThrow(/readable by everyone/);
  });

  it("a private one is read, trimmed", () => {
    const file = join(dir, "bus.pass");
    writeFileSync(file, "secret\n", { mode: 0o640 });
    expect(readSecretFile(file, "bus.password_file")).toBe("secret");
  });

  it("a section's user comes with its password; no user, nothing read", () => {
    const file = join(dir, "ha.pass");
    writeFileSync(file, "hunter2\n", { mode: 0o600 });
    expect(readUserPassword({ username: "ha", password_file: file }, "homeassistant")).toEqual({
      username: "ha",
      password: "hunter2",
    });
    expect(readUserPassword({}, "bus")).toBeUndefined();
    chmodSync(file, 0o644);
    expect(() => readUserPassword({ username: "ha", password_file: file }, "homeassistant")).toThrow(
      `homeassistant.password_file ${file} is readable by everyone`,
    );
  });
});
