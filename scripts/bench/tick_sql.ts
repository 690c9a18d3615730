/**
 * TickWriter's own statements and bound values, captured by running it once on a scratch
 * database through a recording proxy. The ingest peers replay exactly these — the same SQL text,
 * the same values — so they stay in step with TickWriter however it changes; only the network id
 * a sighting refers to is re-derived by each peer from its own upsert (RETURNING for aiosqlite,
 * a sub-select by BSSID for the sqlite3 CLI).
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { TickWriter } from "../../src/collect/store.ts";
import type { Tick } from "../../src/collect/tick.ts";
import { openDatabase } from "../../src/db/open.ts";

export type Value = string | number | null;

/** One execution of a prepared statement: its index and what was bound. */
export interface Call {
  s: number;
  named: Record<string, Value> | null;
  positional: Value[];
}

/** The statements TickWriter prepared, and the calls each tick made. */
export interface Captured {
  statements: string[];
  ticks: Call[][];
}

/**
 * Runs `ticks` through a real TickWriter on the database at `path` (a scratch copy), recording
 * every statement it prepares and every call with its bound values.
 */
export function captureWrites(path: string, ticks: Tick[]): Captured {
  const db = openDatabase(path);
  const statements: string[] = [];
  let calls: Call[] = [];
  const record = (s: number, args: unknown[]) => {
    const first = args[0];
    const named = first !== null && typeof first === "object" && !Array.isArray(first)
      ? checked(first as Record<string, unknown>)
      : null;
    calls.push({ s, named, positional: (named ? args.slice(1) : args).map(value) });
  };
  const spyStatement = (stmt: StatementSync, s: number) =>
    new Proxy(stmt, {
      get(target, key) {
        const v = Reflect.get(target, key, target);
        if (typeof v !== "function") return v;
        if (key === "run" || key === "get" || key === "all" || key === "iterate") {
          return (...args: unknown[]) => {
            record(s, args);
            return v.apply(target, args);
          };
        }
        return v.bind(target);
      },
    });
  const spy = new Proxy(db, {
    get(target, key) {
      if (key === "prepare") {
        return (sql: string) => spyStatement(target.prepare(sql), statements.push(sql) - 1);
      }
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  try {
    const writer = new TickWriter(spy as DatabaseSync);
    const out: Call[][] = [];
    for (const tick of ticks) {
      calls = [];
      writer.write(tick);
      out.push(calls);
    }
    return { statements, ticks: out };
  } finally {
    db.close();
  }
}

function value(v: unknown): Value {
  if (v === null || typeof v === "string" || typeof v === "number") return v;
  if (v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  throw new Error(`TickWriter bound a ${typeof v}: the ingest peers need updating`);
}

function checked(o: Record<string, unknown>): Record<string, Value> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, value(v)]));
}

/** Where, in a statement, the value of `column` is bound. */
export type Slot = { kind: "named"; name: string } | { kind: "positional"; index: number };

/** Parameter tokens of SQL text, string literals skipped. */
const TOKEN = /'(?:[^']|'')*'|[:@$][A-Za-z_][A-Za-z0-9_]*|\?\d*/g;

/**
 * The parameter bound to `column` in `INSERT INTO t (columns…) VALUES (values…)`: the value at
 * the column's position must be a single parameter.
 */
export function slotOf(sql: string, column: string): Slot {
  const m = /INSERT\s+INTO\s+\S+\s*\(([^)]*)\)\s*VALUES\s*\(([^)]*)\)/i.exec(sql);
  if (!m) throw new Error(`not an INSERT … VALUES (…): ${sql.slice(0, 80)}`);
  const columns = m[1].split(",").map((c) => c.trim());
  const values = m[2].split(",").map((v) => v.trim());
  const at = columns.indexOf(column);
  if (at < 0 || columns.length !== values.length) throw new Error(`no column ${column} in ${sql}`);
  const token = values[at];
  if (/^[:@$]/.test(token)) return { kind: "named", name: token.slice(1) };
  if (/^\?\d+$/.test(token)) return { kind: "positional", index: Number(token.slice(1)) - 1 };
  if (token !== "?") throw new Error(`column ${column} is bound to ${token}, not a parameter`);
  // Its index among the anonymous parameters before it in the whole statement.
  const before = sql.slice(0, m.index + m[0].indexOf(m[2])) +
    values.slice(0, at).join(",");
  return { kind: "positional", index: (before.match(TOKEN) ?? []).filter((t) => t === "?").length };
}

export function readSlot(call: Call, slot: Slot): Value {
  return slot.kind === "named" ? call.named?.[slot.name] ?? null : call.positional[slot.index];
}

/** A SQL literal of a bound value. */
export function sqlLiteral(v: Value): string {
  if (v === null) return "NULL";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as SQL`);
    return String(v);
  }
  if (v.includes("\0")) throw new Error("NUL in a text literal");
  return `'${v.replaceAll("'", "''")}'`;
}

/**
 * `sql` with its parameters replaced by the literals of `call` (and `override` for some of
 * them); a RETURNING clause is dropped (the CLI would print every returned row).
 */
export function inlineCall(
  sql: string,
  call: Call,
  override: (slot: Slot) => string | null = () => null,
): string {
  let next = 0;
  const text = sql.replace(/\s+RETURNING\s+[^;']*$/i, "").replace(TOKEN, (token) => {
    if (token.startsWith("'")) return token;
    let slot: Slot;
    if (token.startsWith("?")) {
      const index = token.length > 1 ? Number(token.slice(1)) - 1 : next;
      next = index + 1;
      slot = { kind: "positional", index };
    } else slot = { kind: "named", name: token.slice(1) };
    const replaced = override(slot);
    if (replaced !== null) return replaced;
    if (slot.kind === "named" && !(call.named && slot.name in call.named)) {
      throw new Error(`parameter ${token} was not bound`);
    }
    return sqlLiteral(readSlot(call, slot));
  });
  return text;
}

/** The upsert into wifi_networks and the sighting insert, and how the sighting links to it. */
export interface WifiStatements {
  upsert: number;
  sighting: number;
  /** Where the upsert binds the BSSID. */
  bssid: Slot;
  /** Where the sighting binds network_id. */
  networkId: Slot;
}

/** Finds the two wifi statements; throws if a tick made any other call (the peers need work). */
export function wifiStatements(captured: Captured): WifiStatements {
  const find = (re: RegExp) => {
    const i = captured.statements.findIndex((s) => re.test(s));
    if (i < 0) throw new Error(`TickWriter prepared no statement matching ${re}`);
    return i;
  };
  const upsert = find(/INSERT\s+INTO\s+wifi_networks\b/i);
  const sighting = find(/INSERT\s+INTO\s+wifi_sightings\b/i);
  for (const tick of captured.ticks) {
    for (const call of tick) {
      if (call.s !== upsert && call.s !== sighting) {
        throw new Error(
          `TickWriter also ran "${
            captured.statements[call.s].trim().slice(0, 60)
          }": the ingest peers need updating`,
        );
      }
    }
  }
  if (!/\bRETURNING\b/i.test(captured.statements[upsert])) {
    throw new Error("TickWriter's upsert no longer returns the id: the ingest peers need updating");
  }
  return {
    upsert,
    sighting,
    bssid: slotOf(captured.statements[upsert], "bssid"),
    networkId: slotOf(captured.statements[sighting], "network_id"),
  };
}
