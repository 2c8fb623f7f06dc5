import { closeSync, openSync, readFileSync, readSync } from "node:fs";

/**
 * What a group of processes costs the machine in memory on its own: each physical page once, however many
 * of the group's processes map it. PSS summed over the group says the same only when nothing outside it
 * shares its pages; any other `node` on the machine (the bench's own runner, lab servers, a test run) maps
 * the same binary and takes part of its pages' share, so the group's PSS sum reads low. On a gateway that
 * runs only wanpilot the two agree.
 */

/** Linux's base page: 4 KiB on x86-64 and on the arm64 kernels Debian ships. */
const PAGE = 4096;

export interface Mapping {
  start: number;
  end: number;
}

/** The file-backed mappings of /proc/<pid>/maps (an inode other than 0): the pages processes can share. */
export function parseFileMappings(maps: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of maps.split("\n")) {
    const f = line.split(/\s+/);
    const range = f[0]?.split("-");
    if (range?.length !== 2 || f[4] === undefined || f[4] === "0") continue;
    out.push({ start: Number.parseInt(range[0] ?? "", 16), end: Number.parseInt(range[1] ?? "", 16) });
  }
  return out;
}

/**
 * One /proc/<pid>/pagemap entry: the page frame when the page is present and is a file page (bit 61: a
 * private copy of a file page is anonymous memory and counted as such), else undefined. Bits 0–54 hold the
 * frame (root only reads it).
 */
export function filePageFrame(entry: Buffer, offset: number): number | undefined {
  const low = entry.readUInt32LE(offset);
  const high = entry.readUInt32LE(offset + 4);
  const present = (high & 0x8000_0000) !== 0;
  const file = (high & 0x2000_0000) !== 0;
  if (!present || !file) return undefined;
  return (high & 0x7f_ffff) * 0x1_0000_0000 + low;
}

/** RssAnon + RssShmem of /proc/<pid>/status in KiB: memory no process outside this one maps. */
export function parseAnonKiB(status: string): number | undefined {
  const anon = /^RssAnon:\s+(\d+)\s+kB/m.exec(status);
  const shmem = /^RssShmem:\s+(\d+)\s+kB/m.exec(status);
  return anon === null ? undefined : Number(anon[1]) + Number(shmem?.[1] ?? 0);
}

function addFilePages(pid: number, frames: Set<number>): void {
  const mappings = parseFileMappings(readFileSync(`/proc/${pid}/maps`, "utf8"));
  const fd = openSync(`/proc/${pid}/pagemap`, "r");
  try {
    for (const m of mappings) {
      const pages = (m.end - m.start) / PAGE;
      const buf = Buffer.alloc(pages * 8);
      const read = readSync(fd, buf, 0, buf.length, (m.start / PAGE) * 8);
      for (let off = 0; off + 8 <= read; off += 8) {
        const frame = filePageFrame(buf, off);
        if (frame !== undefined && frame !== 0) frames.add(frame);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The group's anonymous memory plus its distinct file pages, in KiB; processes that are gone are left out.
 * Undefined when the page frames cannot be read (not root: the kernel then reports every frame as 0).
 */
export function groupMemoryKiB(pids: readonly number[]): number | undefined {
  const frames = new Set<number>();
  let anonKiB = 0;
  for (const pid of new Set(pids)) {
    try {
      const anon = parseAnonKiB(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (anon === undefined) continue;
      addFilePages(pid, frames);
      anonKiB += anon;
    } catch {
      // gone meanwhile
    }
  }
  return frames.size === 0 ? undefined : anonKiB + (frames.size * PAGE) / 1024;
}
