/**
 * The `configuration` table: typed key/value settings. A value must parse as its type
 * (string, int, float, bool, json); it is stored in a canonical text form.
 */
import type { DatabaseSync } from "node:sqlite";
import { PiwardriveError, UsageError } from "../errors.ts";

export const CONFIG_TYPES = ["string", "int", "float", "bool", "json"] as const;
export type ConfigType = typeof CONFIG_TYPES[number];

export interface ConfigEntry {
  key: string;
  value: string;
  type: ConfigType;
  description: string | null;
  updatedAt: string;
}

const KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

/**
 * The canonical text of `value` for `type`, or a UsageError saying what is wrong.
 *
 * @example
 * ```ts
 * canonicalValue("bool", "yes"); // "true"
 * canonicalValue("int", "5s"); // throws UsageError
 * ```
 */
export function canonicalValue(type: string, value: string): string {
  const bad = (what: string) =>
    new UsageError(`Invalid value "${value}" for type ${type}: expected ${what}`);
  switch (type) {
    case "string":
      return value;
    case "int":
      if (!/^[+-]?\d{1,15}$/.test(value.trim())) throw bad("a whole number");
      return String(Number(value.trim()));
    case "float": {
      const n = Number(value.trim());
      if (value.trim() === "" || !Number.isFinite(n)) throw bad("a number");
      return String(n);
    }
    case "bool": {
      const v = value.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(v)) return "true";
      if (["false", "0", "no", "off"].includes(v)) return "false";
      throw bad("true or false");
    }
    case "json":
      try {
        return JSON.stringify(JSON.parse(value));
      } catch {
        throw bad("valid JSON");
      }
    default:
      throw new UsageError(`Unknown type "${type}": use one of ${CONFIG_TYPES.join(", ")}`);
  }
}

export function validateKey(key: string): string {
  if (!KEY.test(key)) {
    throw new UsageError(
      `Invalid key "${key}": use letters, digits, ".", "_" or "-", starting with a letter`,
    );
  }
  return key;
}

function toEntry(row: Record<string, unknown>): ConfigEntry {
  return {
    key: String(row.key),
    value: String(row.value),
    type: String(row.type ?? "string") as ConfigType,
    description: row.description == null ? null : String(row.description),
    updatedAt: String(row.updated_at),
  };
}

/**
 * The entry with its value as its JSON type (an int or float as a number, a bool as true/false,
 * json as the parsed value), for `--json` output; a value that does not parse stays text.
 *
 * @example
 * ```ts
 * typedEntry({ key: "scan.interval", value: "5", type: "int", … }).value; // 5
 * ```
 */
export function typedEntry(entry: ConfigEntry): Omit<ConfigEntry, "value"> & { value: unknown } {
  try {
    switch (entry.type) {
      case "int":
      case "float": {
        const n = Number(entry.value);
        return Number.isFinite(n) && entry.value.trim() !== "" ? { ...entry, value: n } : entry;
      }
      case "bool":
        return entry.value === "true" || entry.value === "false"
          ? { ...entry, value: entry.value === "true" }
          : entry;
      case "json":
        return { ...entry, value: JSON.parse(entry.value) };
    }
  } catch { /* a value written by hand that does not parse stays text */ }
  return entry;
}

export function listConfig(db: DatabaseSync): ConfigEntry[] {
  return (db.prepare("SELECT * FROM configuration ORDER BY key").all() as Record<string, unknown>[])
    .map(toEntry);
}

export function getConfig(db: DatabaseSync, key: string): ConfigEntry {
  const row = db.prepare("SELECT * FROM configuration WHERE key = ?").get(validateKey(key));
  if (!row) {
    throw new PiwardriveError(`No configuration key "${key}"; see \`piwardrive config list\``);
  }
  return toEntry(row as Record<string, unknown>);
}

/** Sets `key`; the type is `type`, else the key's current type, else string. */
export function setConfig(
  db: DatabaseSync,
  key: string,
  value: string,
  type?: string,
  description?: string,
): ConfigEntry {
  validateKey(key);
  const current = db.prepare("SELECT type, description FROM configuration WHERE key = ?").get(
    key,
  ) as
    | { type: string; description: string | null }
    | undefined;
  const finalType = type ?? current?.type ?? "string";
  const canonical = canonicalValue(finalType, value);
  db.prepare(
    `INSERT INTO configuration (key, value, type, description, updated_at)
     VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, type = excluded.type,
       description = excluded.description, updated_at = excluded.updated_at`,
  ).run(key, canonical, finalType, description ?? current?.description ?? null);
  return getConfig(db, key);
}

export function unsetConfig(db: DatabaseSync, key: string): void {
  const result = db.prepare("DELETE FROM configuration WHERE key = ?").run(validateKey(key));
  if (Number(result.changes) === 0) {
    throw new PiwardriveError(`No configuration key "${key}"; see \`piwardrive config list\``);
  }
}

/** Configuration key of the Pi's device id (see {@link deviceId}). */
export const DEVICE_ID_KEY = "device_id";

/**
 * This database's device id: a random UUID made the first time it is asked for with `create`
 * (and kept: later calls return the same), or null when there is none and `create` is false.
 * It names the Pi on a central server, which keys every row it sends by (device id, local id).
 */
export function deviceId(db: DatabaseSync, create: boolean): string | null {
  const read = () =>
    (db.prepare("SELECT value FROM configuration WHERE key = ?").get(DEVICE_ID_KEY) as
      | { value: string }
      | undefined)?.value ?? null;
  const existing = read();
  if (existing !== null || !create) return existing;
  db.prepare(
    `INSERT INTO configuration (key, value, type, description, updated_at)
     VALUES (?, ?, 'string', 'made once by piwardrive sync; names this Pi on central servers',
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
     ON CONFLICT (key) DO NOTHING`,
  ).run(DEVICE_ID_KEY, crypto.randomUUID());
  return read();
}
