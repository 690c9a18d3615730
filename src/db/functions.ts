/**
 * SQL functions the application registers on every connection, so migrations and queries can
 * use them: `oui_vendor(mac)` — the IEEE registrant of a MAC's prefix from the table embedded in
 * the binary, NULL for randomised (locally administered) or malformed addresses.
 */
import type { DatabaseSync } from "node:sqlite";
import { ouiVendor } from "../oui/mod.ts";

/**
 * Registers the application's SQL functions on `db`.
 *
 * @example
 * ```ts
 * registerFunctions(db);
 * db.prepare("SELECT oui_vendor('b8:27:eb:00:00:01') AS v").get(); // { v: "Raspberry Pi Foundation" }
 * ```
 */
export function registerFunctions(db: DatabaseSync): void {
  db.function(
    "oui_vendor",
    { deterministic: true, directOnly: false },
    (mac: unknown) => typeof mac === "string" ? ouiVendor(mac) : null,
  );
}
