import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import {
  errorMessage,
  type LinkHealth,
  type LinkState,
  type LinkStateName,
  type LinkTransition,
  type Operation,
  type RouteChange,
  WanpilotError,
} from "@wanpilot/common";
import Database from "better-sqlite3";
import type { TransitionRecord } from "../core/report.js";
import { pendingMigrations, ROLLUP_EVERY_MS, SCHEMA_VERSION } from "./migrations.js";
import { restrictDatabase } from "./permissions.js";

export interface StoreOptions {
  /** Open without writing (e.g. `wanpilot report`); the file must exist and be at the current schema. */
  readonly?: boolean;
  /** One health sample is kept per link per this period. */
  healthEveryMs?: number;
  /** Wall clock for `received_ms`; injectable for tests. */
  now?: () => number;
  /** The group that may read the database (`wanpilot report`), when it exists; default `wanpilot`. */
  readerGroup?: string;
  /** What could not be done to the file's permissions (for a warning). */
  onPermissionProblem?: (problem: string) => void;
}

export interface HealthSampleRecord {
  link: string;
  atMs: number;
  state: LinkStateName;
  rttMeanMs: number | null;
  lossRatio: number;
}

/** One point of a downsampled health series: the samples of [atMs, atMs + stepMs) of one link. */
export interface HealthPoint {
  atMs: number;
  /** Mean of the samples' mean RTT; null when none of them had an RTT (all probes lost). */
  rttMeanMs: number | null;
  rttMaxMs: number | null;
  lossRatio: number;
  samples: number;
}

/** One stored route change (the kernel's default route after it). */
export interface RouteChangeRecord {
  id: string;
  atMs: number;
  reason: string;
  defaultRoute: RouteChange["defaultRoute"];
}

export interface LinkRecord {
  name: string;
  interface: string;
  state: LinkStateName;
  sinceMs: number;
  cause: string;
  seenMs: number;
}

/** Why SQLite's "unable to open database file" happened, when the path itself says. */
function hint(path: string): string {
  try {
    return statSync(path).isDirectory() ? " (the path is a directory; logger.database names a file)" : "";
  } catch {
    return "";
  }
}

function fail(action: string, path: string, err: unknown): WanpilotError {
  return new WanpilotError(
    "DATABASE_FAILED",
    `cannot ${action} database ${path}: ${errorMessage(err)}${hint(path)}`,
    {
      cause: err,
      details: { path },
    },
  );
}

/** The logger's SQLite database: WAL, versioned schema, every event stored once by its id. */
export class Store {
  private readonly healthEveryMs: number;
  private readonly now: () => number;
  private readonly readonly: boolean;
  /** Each link's row as last written by this process, so an unchanged state is not written again. */
  private readonly linkRows = new Map<string, string>();

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    opts: StoreOptions,
  ) {
    this.healthEveryMs = opts.healthEveryMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.readonly = opts.readonly === true;
  }

  /** Opens (creating the file and its directory unless read-only) and migrates; DATABASE_FAILED when it cannot. */
  static open(path: string, opts: StoreOptions = {}): Store {
    let db: Database.Database | undefined;
    try {
      if (opts.readonly !== true) makeParents(path);
      db = new Database(path, { readonly: opts.readonly === true, fileMustExist: opts.readonly === true });
      db.pragma("busy_timeout = 5000");
      if (opts.readonly !== true) {
        // Before the -wal and -shm files exist: SQLite creates them with the database's mode and group.
        for (const p of restrictDatabase(path, opts.readerGroup)) opts.onPermissionProblem?.(p);
        const mode = db.pragma("journal_mode = WAL", { simple: true });
        if (mode !== "wal") throw new Error(`journal mode is ${String(mode)}, not wal`);
        // FULL: an acked event must survive a power cut, the publisher has already dropped it.
        db.pragma("synchronous = FULL");
      }
      migrate(db, opts.readonly === true);
      return new Store(db, path, opts);
    } catch (err: unknown) {
      db?.close();
      if (err instanceof WanpilotError) throw err;
      throw fail(opts.readonly === true ? "read" : "open", path, err);
    }
  }

  schemaVersion(): number {
    return Number(this.db.pragma("user_version", { simple: true }));
  }

  /** Stores new transitions; already stored ids are ignored. Returns how many were new. */
  insertTransitions(events: readonly LinkTransition[]): number {
    return this.write("write to", () => {
      const stmt = this.db.prepare(
        `INSERT OR IGNORE INTO link_transitions (id, link, from_state, to_state, at_ms, cause, received_ms,
           boot_id, boot_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const receivedMs = this.now();
      let stored = 0;
      for (const e of events)
        stored += stmt.run(
          e.id,
          e.link,
          e.from,
          e.to,
          Date.parse(e.at),
          e.cause,
          receivedMs,
          e.boot ?? null,
          e.bootMs === undefined ? null : Math.round(e.bootMs),
        ).changes;
      return stored;
    });
  }

  /** Stores new route changes; already stored ids are ignored. Returns how many were new. */
  insertRouteChanges(events: readonly RouteChange[]): number {
    return this.write("write to", () => {
      const stmt = this.db.prepare(
        `INSERT OR IGNORE INTO route_changes (id, at_ms, reason, default_route, flushed, received_ms)
         VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const receivedMs = this.now();
      let stored = 0;
      for (const e of events)
        stored += stmt.run(
          e.id,
          Date.parse(e.at),
          e.reason,
          JSON.stringify(e.defaultRoute),
          JSON.stringify(e.flushed),
          receivedMs,
        ).changes;
      return stored;
    });
  }

  /** Keeps the first sample of each link in each `healthEveryMs` slot; returns how many were kept. */
  insertHealth(samples: readonly LinkHealth[]): number {
    return this.write("write to", () => {
      const stmt = this.db.prepare(
        `INSERT OR IGNORE INTO health_samples (link, bucket_ms, at_ms, state, rtt_mean_ms, rtt_min_ms,
           rtt_max_ms, jitter_ms, loss_ratio, window_ms, targets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const rollup = this.db.prepare(
        `INSERT INTO health_rollups (link, every_ms, slot_ms, samples, rtt_samples, rtt_sum, rtt_max, loss_sum)
         VALUES (?, ?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (link, every_ms, slot_ms) DO UPDATE SET samples = samples + 1,
           rtt_samples = rtt_samples + excluded.rtt_samples, rtt_sum = rtt_sum + excluded.rtt_sum,
           rtt_max = CASE WHEN rtt_max IS NULL THEN excluded.rtt_max WHEN excluded.rtt_max IS NULL THEN rtt_max
             ELSE max(rtt_max, excluded.rtt_max) END,
           loss_sum = loss_sum + excluded.loss_sum`,
      );
      let stored = 0;
      for (const h of samples) {
        const atMs = Date.parse(h.at);
        const bucketMs = Math.floor(atMs / this.healthEveryMs) * this.healthEveryMs;
        const { rtt } = h;
        const added = stmt.run(
          h.link,
          bucketMs,
          atMs,
          h.state,
          rtt?.meanMs ?? null,
          rtt?.minMs ?? null,
          rtt?.maxMs ?? null,
          rtt?.jitterMs ?? null,
          h.lossRatio,
          h.windowMs,
          JSON.stringify(h.targets),
        ).changes;
        // Only a new sample counts in its rollups (a redelivered one was counted when it was stored).
        if (added > 0)
          for (const every of ROLLUP_EVERY_MS)
            rollup.run(
              h.link,
              every,
              Math.floor(bucketMs / every) * every,
              rtt === null ? 0 : 1,
              rtt?.meanMs ?? 0,
              rtt?.maxMs ?? null,
              h.lossRatio,
            );
        stored += added;
      }
      return stored;
    });
  }

  /** Remembers each link's last retained state (so a report knows links that never changed). */
  /**
   * Remembers a link's last state; false (nothing written, no fsync) when it holds what is stored already: a
   * state republished on a reconnect, or one whose only news is an address the table does not keep.
   */
  upsertLinkState(s: LinkState): boolean {
    const row = [s.link, s.interface, s.state, Date.parse(s.since), s.cause] as const;
    const key = JSON.stringify(row);
    if (this.linkRows.get(s.link) === key) return false;
    this.write("write to", () =>
      this.db
        .prepare(
          `INSERT INTO links (name, interface, state, since_ms, cause, seen_ms) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET interface = excluded.interface, state = excluded.state,
             since_ms = excluded.since_ms, cause = excluded.cause, seen_ms = excluded.seen_ms`,
        )
        .run(...row, Date.parse(s.at)),
    );
    this.linkRows.set(s.link, key);
    return true;
  }

  /** Stores one operation of the audit trail (once per id); true when it was new. */
  insertOperation(op: Operation): boolean {
    return this.write(
      "write to",
      () =>
        this.db
          .prepare(
            `INSERT OR IGNORE INTO operations (id, at_ms, by, action, link, value, command, result, reason)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            op.id,
            Date.parse(op.at),
            op.by,
            op.action,
            op.link,
            op.value,
            op.command,
            op.result,
            op.reason,
          ).changes > 0,
    );
  }

  /** The audit trail within [sinceMs, untilMs), in time order. */
  operations(sinceMs: number, untilMs: number): Operation[] {
    const rows = this.read(() =>
      this.db
        .prepare(
          `SELECT id, at_ms AS atMs, by, action, link, value, command, result, reason
           FROM operations WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, rowid`,
        )
        .all(sinceMs, untilMs),
    ) as Array<Omit<Operation, "at"> & { atMs: number }>;
    return rows.map(({ atMs, ...r }) => ({ ...r, at: new Date(atMs).toISOString() }));
  }

  /** Deletes health samples older than `retentionMs` before `nowMs`; returns how many. */
  pruneHealth(nowMs: number, retentionMs: number): number {
    return this.write("prune", () => {
      this.db.prepare("DELETE FROM health_rollups WHERE slot_ms < ?").run(nowMs - retentionMs);
      return this.db.prepare("DELETE FROM health_samples WHERE at_ms < ?").run(nowMs - retentionMs).changes;
    });
  }

  /** All transitions (of one link), in time order; ties keep arrival order. */
  transitions(link?: string): TransitionRecord[] {
    const where = link === undefined ? "" : "WHERE link = ?";
    const rows = this.read(() =>
      this.db
        .prepare(
          `SELECT id, link, from_state AS "from", to_state AS "to", at_ms AS atMs, cause, boot_id AS boot,
             boot_ms AS bootMs FROM link_transitions ${where} ORDER BY at_ms, seq`,
        )
        .all(...(link === undefined ? [] : [link])),
    );
    // Events stored before migration 3, or from publishers that do not send boot time, have none.
    return (rows as TransitionRecord[]).map(({ boot, bootMs, ...r }) =>
      boot == null || bootMs == null ? r : { ...r, boot, bootMs },
    );
  }

  /**
   * One link's health in [sinceMs, untilMs), averaged per `stepMs` slot (the page's graphs): from the
   * coarsest rollup no coarser than the step (the raw samples below a minute), a range scan of its key,
   * so the cost follows the number of points, not the window or the history.
   */
  healthSeries(link: string, sinceMs: number, untilMs: number, stepMs: number): HealthPoint[] {
    const step = Math.max(1, Math.round(stepMs));
    const every = [...ROLLUP_EVERY_MS].reverse().find((e) => e <= step);
    const params = { link, since: Math.floor(sinceMs), until: Math.ceil(untilMs), step };
    // Bound JS numbers arrive as REAL: CAST makes the slot index a whole number to group by.
    const slot = (column: string) => `CAST((${column} - @since) / @step AS INTEGER) * @step + @since`;
    const rows = this.read(() =>
      every === undefined
        ? this.db
            .prepare(
              `SELECT ${slot("bucket_ms")} AS atMs, AVG(rtt_mean_ms) AS rttMeanMs, MAX(rtt_max_ms) AS rttMaxMs,
                 AVG(loss_ratio) AS lossRatio, COUNT(*) AS samples
               FROM health_samples WHERE link = @link AND bucket_ms >= @since AND bucket_ms < @until
               GROUP BY 1 ORDER BY 1`,
            )
            .all(params)
        : this.db
            .prepare(
              `SELECT ${slot("slot_ms")} AS atMs, SUM(rtt_sum) / NULLIF(SUM(rtt_samples), 0) AS rttMeanMs,
                 MAX(rtt_max) AS rttMaxMs, SUM(loss_sum) / SUM(samples) AS lossRatio, SUM(samples) AS samples
               FROM health_rollups WHERE link = @link AND every_ms = @every AND slot_ms >= @since AND slot_ms < @until
               GROUP BY 1 ORDER BY 1`,
            )
            .all({ ...params, every }),
    );
    return rows as HealthPoint[];
  }

  /** The route changes within [sinceMs, untilMs), in time order. */
  routeChanges(sinceMs: number, untilMs: number): RouteChangeRecord[] {
    const rows = this.read(() =>
      this.db
        .prepare(
          `SELECT id, at_ms AS atMs, reason, default_route AS defaultRoute FROM route_changes
           WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, seq`,
        )
        .all(sinceMs, untilMs),
    ) as Array<{ id: string; atMs: number; reason: string; defaultRoute: string }>;
    return rows.map((r) => ({
      ...r,
      defaultRoute: JSON.parse(r.defaultRoute) as RouteChangeRecord["defaultRoute"],
    }));
  }

  routeChangeIds(): string[] {
    return this.read(() =>
      this.db.prepare("SELECT id FROM route_changes ORDER BY at_ms, seq").pluck().all(),
    ) as string[];
  }

  healthSamples(link?: string): HealthSampleRecord[] {
    const where = link === undefined ? "" : "WHERE link = ?";
    const rows = this.read(() =>
      this.db
        .prepare(
          `SELECT link, at_ms AS atMs, state, rtt_mean_ms AS rttMeanMs, loss_ratio AS lossRatio
           FROM health_samples ${where} ORDER BY link, at_ms`,
        )
        .all(...(link === undefined ? [] : [link])),
    );
    return rows as HealthSampleRecord[];
  }

  links(): LinkRecord[] {
    const rows = this.read(() =>
      this.db
        .prepare(
          `SELECT name, interface, state, since_ms AS sinceMs, cause, seen_ms AS seenMs FROM links ORDER BY name`,
        )
        .all(),
    );
    return rows as LinkRecord[];
  }

  close(): void {
    if (!this.db.open) return;
    // A reader that may not write the directory cannot create the -shm file a WAL database needs, and
    // SQLite deletes it on the last close: left in rollback mode, the file reads without it (`report`
    // with the logger stopped). The next start turns WAL on again.
    if (!this.readonly)
      try {
        this.db.pragma("journal_mode = DELETE");
      } catch {
        // busy (a reader holds it): WAL stays, the -shm too while that reader has it open
      }
    this.db.close();
  }

  private write<T>(action: string, fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (err: unknown) {
      throw fail(action, this.path, err);
    }
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err: unknown) {
      throw fail("read", this.path, err);
    }
  }
}

/**
 * mkdir -p of the file's directory, one level at a time: Node's recursive mkdir spins forever under
 * /proc (ENOENT from a directory that exists), non-recursive mkdir just fails.
 */
function makeParents(path: string): void {
  const missing: string[] = [];
  for (let dir = dirname(path); !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir))
    missing.unshift(dir);
  for (const dir of missing) mkdirSync(dir);
}

/** Applies the missing migrations in order, each atomically with its version bump. */
function migrate(db: Database.Database, readonly: boolean): void {
  const version = Number(db.pragma("user_version", { simple: true }));
  if (version > SCHEMA_VERSION)
    throw new WanpilotError(
      "DATABASE_FAILED",
      `database ${db.name} has schema version ${version}, newer than this wanpilot knows (${SCHEMA_VERSION}); upgrade wanpilot`,
      { details: { path: db.name, version } },
    );
  const pending = pendingMigrations(version);
  if (pending.length === 0) return;
  if (readonly)
    throw new WanpilotError(
      "DATABASE_FAILED",
      `database ${db.name} has schema version ${version} and needs migrating to ${SCHEMA_VERSION}; run the logger once (it migrates on start)`,
      { details: { path: db.name, version, needsMigration: true } },
    );
  for (const m of pending)
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
}
