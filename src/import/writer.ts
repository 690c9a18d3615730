/**
 * Writing batches into the target: one IMMEDIATE transaction per batch, holding the batch's
 * merged summaries, its appended rows, their `source_rows` keys and (in the first batch) the
 * `source` row, so a kill leaves whole batches or nothing of one, and a re-run skips exactly
 * the rows already there. A dry run makes the same decisions against the target read-only.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { ouiVendor } from "../oui/mod.ts";
import { storableText, SUMMARY } from "../collect/store.ts";
import { healthRowValues, trackRowValues } from "../collect/tick.ts";
import { type Batch, count, type SourceKind } from "./records.ts";

/** What an import did (or, dry, would do). */
export interface ImportCounts {
  networks: { new: number; merged: number };
  devices: { new: number; merged: number };
  /** Rows appended. */
  imported: {
    wifi_sightings: number;
    bluetooth_sightings: number;
    gps_track: number;
    health_records: number;
  };
  /** Source rows left out, by reason. */
  skipped: Record<string, number>;
}

export interface SourceIdentity {
  kind: SourceKind;
  fileName: string;
  contentHash: string;
}

type Appended = keyof ImportCounts["imported"];

// The strongest sighting with a position gives the stored position (collect's rule); the newest
// summary gives the name, channel and security, the oldest first_seen and newest last_seen win.
const NEWER = "excluded.last_seen >= coalesce(last_seen, '')";
const latest = (c: string) =>
  `${c} = CASE WHEN ${NEWER} THEN coalesce(excluded.${c}, ${c}) ELSE coalesce(${c}, excluded.${c}) END`;
const MERGE = (s: string, latestColumns: string[]) => `
  ${latestColumns.map(latest).join(",\n  ")},${SUMMARY(s)}`;

const SQL = {
  network: `INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel,
      vendor, first_seen, last_seen, gps_lat, gps_lon, gps_accuracy)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
    ON CONFLICT (bssid) DO UPDATE SET vendor = coalesce(vendor, excluded.vendor),
    ${MERGE("signal_strength", ["ssid", "frequency", "channel", "encryption"])}
    RETURNING id`,
  device: `INSERT INTO bluetooth_devices (address, name, device_type, rssi, manufacturer, services,
      first_seen, last_seen, gps_lat, gps_lon, gps_accuracy)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
    ON CONFLICT (address) DO UPDATE SET
    ${MERGE("rssi", ["name", "device_type", "manufacturer", "services"])}
    RETURNING id`,
  wifi_sightings: `INSERT INTO wifi_sightings (id, network_id, seen_at, clock, ssid, frequency,
      channel, signal_dbm, gps_lat, gps_lon, gps_alt, gps_accuracy)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`,
  bluetooth_sightings: `INSERT INTO bluetooth_sightings (id, device_id, seen_at, clock, name,
      rssi_dbm, tx_power_dbm, gps_lat, gps_lon, gps_alt, gps_accuracy)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
  gps_track: `INSERT INTO gps_track (id, system_time, gps_time, gps_time_plausible, mode, lat, lon,
      alt_m, accuracy_m, speed_mps, track_deg) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
  health_records: `INSERT INTO health_records (id, timestamp, cpu_temp, cpu_percent,
      memory_percent, disk_percent, network_rx_bytes, network_tx_bytes, gps_lat, gps_lon,
      gps_accuracy, wifi_networks_count, bluetooth_devices_count)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)`,
  key: `INSERT INTO source_rows (source_key, source_id, table_name, row_id) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT (source_key) DO NOTHING`,
};

const APPENDED: Appended[] = [
  "wifi_sightings",
  "bluetooth_sightings",
  "gps_track",
  "health_records",
];

export function emptyCounts(): ImportCounts {
  return {
    networks: { new: 0, merged: 0 },
    devices: { new: 0, merged: 0 },
    imported: { wifi_sightings: 0, bluetooth_sightings: 0, gps_track: 0, health_records: 0 },
    skipped: {},
  };
}

/**
 * Writes batches into `db` (at the latest version), or with `dryRun` only decides, reading `db`
 * when there is one (a target that does not exist yet has nothing to skip).
 */
export class ImportWriter {
  readonly counts = emptyCounts();
  readonly #db: DatabaseSync | null;
  readonly #dryRun: boolean;
  readonly #source: SourceIdentity;
  readonly #now: () => Date;
  #sourceId: number | null = null;
  readonly #stmts = new Map<string, StatementSync>();
  readonly #networkIds = new Map<string, number>();
  readonly #deviceIds = new Map<string, number>();
  /** Dry run only: keys and summaries this run would have added. */
  readonly #seen = new Set<string>();
  /** Dry run only: whether the target has `source_rows` yet. */
  #keyed: boolean | null = null;

  constructor(
    db: DatabaseSync | null,
    source: SourceIdentity,
    options: { dryRun?: boolean; now?: () => Date } = {},
  ) {
    this.#db = db;
    this.#dryRun = options.dryRun ?? false;
    this.#source = source;
    this.#now = options.now ?? (() => new Date());
    if (db && hasTable(db, "source")) {
      const row = db.prepare("SELECT id FROM source WHERE content_hash = ?").get(
        source.contentHash,
      ) as { id: number } | undefined;
      this.#sourceId = row?.id ?? null;
    }
  }

  /** Stores `batch` in one transaction (nothing of it on error); a dry run only counts it. */
  write(batch: Batch): void {
    for (const [reason, n] of Object.entries(batch.skipped ?? {})) {
      count(this.counts.skipped, reason, n);
    }
    if (this.#dryRun) return this.#decide(batch);
    const db = this.#db!;
    const before = structuredClone(this.counts);
    db.exec("BEGIN IMMEDIATE");
    try {
      this.#sourceId ??= this.#insertSource();
      this.#store(db, batch);
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      Object.assign(this.counts, before);
      // Ids handed out in the rolled-back transaction may not exist: look them up again.
      this.#networkIds.clear();
      this.#deviceIds.clear();
      throw error;
    }
  }

  #insertSource(): number {
    const row = this.#stmt(
      "INSERT INTO source (kind, file_name, content_hash, imported_at) VALUES (?, ?, ?, ?) RETURNING id",
    ).get(
      this.#source.kind,
      this.#source.fileName,
      this.#source.contentHash,
      this.#now().toISOString(),
    ) as {
      id: number;
    };
    return row.id;
  }

  #store(db: DatabaseSync, batch: Batch): void {
    for (const n of batch.networks ?? []) {
      this.#upsertSummary("networks", n.bssid, [
        storableText(n.ssid),
        n.freqMhz,
        signal(n.signalDbm, -120, 0),
        n.encryption,
        n.channel,
        ouiVendor(n.bssid),
        n.firstSeen,
        n.lastSeen,
        ...position(n),
      ]);
    }
    for (const d of batch.devices ?? []) {
      this.#upsertSummary("devices", d.address, [
        storableText(d.name),
        d.deviceType,
        signal(d.rssiDbm, -127, 20),
        d.manufacturer ?? ouiVendor(d.address),
        d.services,
        d.firstSeen,
        d.lastSeen,
        ...position(d),
      ]);
    }
    const next = nextIds(db);
    const append = (table: Appended, key: string, values: () => unknown[] | null) => {
      const id = next[table];
      if (this.#stmt(SQL.key).run(key, this.#sourceId, table, id).changes === 0) {
        return count(this.counts.skipped, "already imported");
      }
      const row = values();
      if (row === null) throw new Error(`No summary row for a ${table} row (key ${key})`);
      this.#stmt(SQL[table]).run(id, ...row as never[]);
      next[table]++;
      this.counts.imported[table]++;
    };
    for (const s of batch.wifi ?? []) {
      append("wifi_sightings", s.key, () => {
        const id = this.#networkIds.get(s.bssid) ?? this.#idOf("wifi_networks", "bssid", s.bssid);
        if (id === null) return null;
        const ssid = storableText(s.ssid);
        const where = position(s);
        return [
          id,
          s.seenAt,
          s.clock,
          ssid,
          s.freqMhz,
          s.channel,
          signal(s.signalDbm, -120, 0),
          where[0],
          where[1],
          s.altM,
          where[2],
        ];
      });
    }
    for (const s of batch.bluetooth ?? []) {
      append("bluetooth_sightings", s.key, () => {
        const id = this.#deviceIds.get(s.address) ??
          this.#idOf("bluetooth_devices", "address", s.address);
        if (id === null) return null;
        const where = position(s);
        return [
          id,
          s.seenAt,
          s.clock,
          storableText(s.name),
          signal(s.rssiDbm, -127, 20),
          s.txPowerDbm,
          where[0],
          where[1],
          s.altM,
          where[2],
        ];
      });
    }
    for (const t of batch.track ?? []) {
      append("gps_track", t.key, () => trackRowValues(t));
    }
    for (const h of batch.health ?? []) {
      const heard = { wifi: h.wifiCount, bluetooth: h.bluetoothCount };
      append("health_records", h.key, () => healthRowValues(h.timestamp, h, position(h), heard));
    }
  }

  /** The dry run's decisions: the same counts, nothing written. */
  #decide(batch: Batch): void {
    const fresh = (key: string, table?: string, column?: string) => {
      if (this.#seen.has(key)) return false;
      this.#seen.add(key);
      if (!this.#db) return true;
      if (table) return !this.#exists(table, column!, key.slice(key.indexOf(":") + 1));
      this.#keyed ??= hasTable(this.#db, "source_rows");
      return !(this.#keyed &&
        this.#stmt("SELECT 1 FROM source_rows WHERE source_key = ?").get(key));
    };
    for (const n of batch.networks ?? []) {
      this.counts.networks[fresh(`n:${n.bssid}`, "wifi_networks", "bssid") ? "new" : "merged"]++;
    }
    for (const d of batch.devices ?? []) {
      this.counts
        .devices[fresh(`d:${d.address}`, "bluetooth_devices", "address") ? "new" : "merged"]++;
    }
    const rows: [Appended, { key: string }[] | undefined][] = [
      ["wifi_sightings", batch.wifi],
      ["bluetooth_sightings", batch.bluetooth],
      ["gps_track", batch.track],
      ["health_records", batch.health],
    ];
    for (const [table, list] of rows) {
      for (const r of list ?? []) {
        if (fresh(r.key)) this.counts.imported[table]++;
        else count(this.counts.skipped, "already imported");
      }
    }
  }

  /** Merges one network or device into its summary row; counts it new or merged, keeps its id. */
  #upsertSummary(kind: "networks" | "devices", key: string, values: SQLInputValue[]): void {
    const [table, column, ids, sql] = kind === "networks"
      ? ["wifi_networks", "bssid", this.#networkIds, SQL.network]
      : ["bluetooth_devices", "address", this.#deviceIds, SQL.device];
    const existed = ids.has(key) || this.#exists(table, column, key);
    const row = this.#stmt(sql).get(key, ...values) as { id: number };
    ids.set(key, row.id);
    this.counts[kind][existed ? "merged" : "new"]++;
  }

  #exists(table: string, column: string, value: string): boolean {
    return this.#idOf(table, column, value) !== null;
  }

  #idOf(table: string, column: string, value: string): number | null {
    const row = this.#stmt(`SELECT id FROM ${table} WHERE ${column} = ?`).get(value) as
      | { id: number }
      | undefined;
    return row?.id ?? null;
  }

  #stmt(sql: string): StatementSync {
    let stmt = this.#stmts.get(sql);
    if (!stmt) this.#stmts.set(sql, stmt = this.#db!.prepare(sql));
    return stmt;
  }
}

/**
 * The id each appended table's next row gets, read inside the batch's transaction (the keys
 * name it before the row is written); AUTOINCREMENT's counter counts for health_records, whose
 * deleted ids are never handed out again.
 */
function nextIds(db: DatabaseSync): Record<Appended, number> {
  const ids = {} as Record<Appended, number>;
  for (const table of APPENDED) {
    const row = db.prepare(
      `SELECT max(coalesce((SELECT max(id) FROM ${table}), 0),
         coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)) + 1 AS n`,
    ).get(table) as { n: number };
    ids[table] = Number(row.n);
  }
  return ids;
}

function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
    undefined;
}

/** A signal inside the column's CHECK range, else unknown. */
function signal(value: number | null, min: number, max: number): number | null {
  return value !== null && Number.isFinite(value) && value >= min && value <= max ? value : null;
}

/** lat, lon, accuracy; a position outside the globe, or (0,0), is no position. */
function position(p: { lat: number | null; lon: number | null; accuracyM: number | null }) {
  const ok = p.lat !== null && p.lon !== null && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180 &&
    !(p.lat === 0 && p.lon === 0);
  return ok ? [p.lat, p.lon, p.accuracyM] : [null, null, null];
}
