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
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** The migrations a database at `version` still needs, in order. */
export function pendingMigrations(version: number): Migration[] {
  return MIGRATIONS.filter((m) => m.version > version);
}
