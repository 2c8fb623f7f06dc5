import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { errorMessage, WanpilotError } from "@wanpilot/common";

const mode = (m: number) => `0${(m & 0o777).toString(8)}`;

/**
 * runtime_dir holds the bus secret: it must be a real directory (not a symlink), owned by root or by
 * the user wanpilot runs as, and writable by nobody else. Created 0700 when absent.
 */
export function checkRuntimeDir(dir: string): void {
  const refuse = (why: string, cause?: unknown) =>
    new WanpilotError("RUNTIME_DIR_UNSAFE", `runtime_dir ${dir} ${why}; no secret is written there`, {
      cause,
      details: { dir },
    });
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      st = lstatSync(dir);
    } catch (err: unknown) {
      throw refuse(`cannot be created: ${errorMessage(err)}`, err);
    }
  }
  if (st.isSymbolicLink()) throw refuse("is a symbolic link (it is not followed)");
  if (!st.isDirectory()) throw refuse("is not a directory");
  const me = process.geteuid?.() ?? 0;
  if (st.uid !== 0 && st.uid !== me) throw refuse(`is owned by uid ${st.uid}, not root or uid ${me}`);
  if ((st.mode & 0o022) !== 0) throw refuse(`is writable by group or others (mode ${mode(st.mode)})`);
}

/** Writes a new secret file (mode 0600): never through a symlink, never over an existing file. */
export function writeSecretFile(path: string, text: string): void {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a secret (a password file, the bus secret): not through a symlink, not readable by others
 * (a secret others can read is refused rather than used), not empty. `what` names it in the message.
 */
export function readSecretFile(path: string, what: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err: unknown) {
    throw new WanpilotError("CONFIG_UNREADABLE", `cannot read ${what} ${path}: ${errorMessage(err)}`, {
      cause: err,
      details: { path },
    });
  }
  try {
    const st = fstatSync(fd);
    if ((st.mode & 0o004) !== 0)
      throw new WanpilotError(
        "CONFIG_UNREADABLE",
        `${what} ${path} is readable by everyone (mode ${mode(st.mode)}): chmod o-r it (0600 or 0640)`,
        { details: { path } },
      );
    const text = readFileSync(fd, "utf8").trim();
    if (text === "")
      throw new WanpilotError("CONFIG_UNREADABLE", `${what} ${path} is empty: it must hold the password`, {
        details: { path },
      });
    return text;
  } finally {
    closeSync(fd);
  }
}

/** A configured user and its password (bus.* or homeassistant.*: `username` with `password_file`). */
export interface UserPassword {
  username: string;
  password: string;
}

/**
 * The user of a config section with its password read from `password_file` (see readSecretFile);
 * undefined when the section has no user (the schema makes the two go together). `section` names it.
 */
export function readUserPassword(
  user: { username?: string | undefined; password_file?: string | undefined },
  section: "bus" | "homeassistant",
): UserPassword | undefined {
  const { username, password_file } = user;
  if (username === undefined || password_file === undefined) return undefined;
  return { username, password: readSecretFile(password_file, `${section}.password_file`) };
}
