import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Component, componentId } from "@wanpilot/common";
import type { Logger } from "pino";
import type * as z from "zod";

/** Where a component keeps the events the logger has not acknowledged yet (survives its own restart). */
export function outboxPath(runtimeDir: string, component: Component): string {
  return join(runtimeDir, "outbox", `${componentId(component).replace("/", "-")}.json`);
}

/**
 * A publisher's outbox on disk: written (atomically: temporary file, then rename) whenever it changes,
 * read back at start, so a killed prober or router resends what the logger never stored.
 * Trouble with the file is logged, never fatal: the in-memory outbox still works.
 */
export class OutboxFile<T extends { id: string }> {
  constructor(
    private readonly path: string,
    private readonly schema: z.ZodType<T>,
    private readonly log: Logger,
  ) {}

  load(): T[] {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.path, "utf8"));
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT")
        this.log.warn({ err, path: this.path }, "outbox file unreadable, starting empty");
      return [];
    }
    if (!Array.isArray(raw)) return [];
    const items = raw.flatMap((x) => {
      const r = this.schema.safeParse(x);
      return r.success ? [r.data] : [];
    });
    if (items.length < raw.length)
      this.log.warn(
        { path: this.path, dropped: raw.length - items.length },
        "invalid outbox entries dropped",
      );
    return items;
  }

  save(items: readonly T[]): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      const tmp = `${this.path}.tmp`;
      writeFileSync(tmp, JSON.stringify(items), { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch (err: unknown) {
      this.log.warn({ err, path: this.path }, "outbox file not written");
    }
  }
}
