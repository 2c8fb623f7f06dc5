/**
 * The database schema as an ordered list of migrations. `PRAGMA user_version` holds the number of the
 * last one applied; opening a database applies the missing ones in order, each in its own transaction.
 * Never edit or remove a published migration: append a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "link transitions and route changes, each event stored once by its id",
    sql: `
      CREATE TABLE link_transitions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        link TEXT NOT NULL,
        from_state TEXT NOT NULL,
        to_state TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        cause TEXT NOT NULL,
        received_ms INTEGER NOT NULL
      );
      CREATE TABLE route_changes (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        at_ms INTEGER NOT NULL,
        reason TEXT NOT NULL,
        default_route TEXT NOT NULL,
        flushed TEXT NOT NULL,
        received_ms INTEGER NOT NULL
      );`,
  },
  {
    version: 2,
    description: "downsampled health samples, last known state per link, transition lookup by link and time",
    sql: `
      CREATE INDEX link_transitions_link_at ON link_transitions (link, at_ms);
      CREATE TABLE health_samples (
        link TEXT NOT NULL,
        bucket_ms INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        state TEXT NOT NULL,
        rtt_mean_ms REAL,
        rtt_min_ms REAL,
        rtt_max_ms REAL,
        jitter_ms REAL,
        loss_ratio REAL NOT NULL,
        window_ms INTEGER NOT NULL,
        targets TEXT NOT NULL,
        PRIMARY KEY (link, bucket_ms)
      ) WITHOUT ROWID;
      CREATE INDEX health_samples_at ON health_samples (at_ms);
      CREATE TABLE links (
        name TEXT PRIMARY KEY,
        interface TEXT NOT NULL,
        state TEXT NOT NULL,
        since_ms INTEGER NOT NULL,
        cause TEXT NOT NULL,
        seen_ms INTEGER NOT NULL
      );`,
  },
  {
    version: 3,
    description: "boot id and time since boot of each transition (durations that survive clock steps)",
    sql: `
      ALTER TABLE link_transitions ADD COLUMN boot_id TEXT;
      ALTER TABLE link_transitions ADD COLUMN boot_ms INTEGER;`,
  },
  {
    version: 4,
    description: "the audit trail: every operator command and reload, accepted or refused",
    sql: `
      CREATE TABLE operations (
        id TEXT PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        by TEXT NOT NULL,
        action TEXT NOT NULL,
        link TEXT,
        value REAL,
        command TEXT,
        result TEXT NOT NULL,
        reason TEXT NOT NULL
      );
      CREATE INDEX operations_at ON operations (at_ms);`,
  },
  {
    version: 5,
    description:
      "health rollups per minute and per 15 minutes (graphs of days read thousands of rows, not millions)",
    sql: `
      CREATE TABLE health_rollups (
        link TEXT NOT NULL,
        every_ms INTEGER NOT NULL,
        slot_ms INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        rtt_samples INTEGER NOT NULL,
        rtt_sum REAL NOT NULL,
        rtt_max REAL,
        loss_sum REAL NOT NULL,
        PRIMARY KEY (link, every_ms, slot_ms)
      ) WITHOUT ROWID;
      INSERT INTO health_rollups
        SELECT link, 60000, (bucket_ms / 60000) * 60000, COUNT(*), COUNT(rtt_mean_ms), TOTAL(rtt_mean_ms),
          MAX(rtt_max_ms), TOTAL(loss_ratio)
        FROM health_samples GROUP BY link, bucket_ms / 60000;
      INSERT INTO health_rollups
        SELECT link, 900000, (bucket_ms / 900000) * 900000, COUNT(*), COUNT(rtt_mean_ms), TOTAL(rtt_mean_ms),
          MAX(rtt_max_ms), TOTAL(loss_ratio)
        FROM health_samples GROUP BY link, bucket_ms / 900000;`,
  },
];

/** The periods of the health rollups (migration 5), finest first. */
export const ROLLUP_EVERY_MS = [60_000, 900_000] as const;

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** The migrations a database at `version` still needs, in order. */
export function pendingMigrations(version: number): Migration[] {
  return MIGRATIONS.filter((m) => m.version > version);
}
