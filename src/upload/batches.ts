/**
 * The upload queue in the database (migration `uploads`): a batch is a file for WiGLE and the
 * sightings it carries. The order that makes a crash harmless:
 * 1. `claimBatch`: one transaction creates the batch ('pending') and sets `upload_batch` on its
 *    sightings, before anything is sent;
 * 2. the file is sent;
 * 3. `markSent`: one transaction records WiGLE's transId and the state 'sent'.
 * Killed between 1 and 3, the next run finds the batch pending and asks WiGLE's transaction
 * list for its file name before sending it again: rows are never lost (they stay claimed by a
 * pending batch) nor sent twice (a file WiGLE already has is not sent again).
 */
import type { DatabaseSync } from "node:sqlite";

export type BatchState = "pending" | "sent" | "failed";

export interface Batch {
  id: number;
  fileName: string;
  state: BatchState;
  sightings: number;
  contentSha256: string | null;
  bytes: number | null;
  transId: string | null;
  createdAt: string;
  finishedAt: string | null;
  message: string | null;
}

/** A position WiGLE takes: present, in range, and not (0,0) (no fix). As `hasPosition`. */
const POSITIONED = "gps_lat IS NOT NULL AND gps_lon IS NOT NULL AND abs(gps_lat) <= 90 AND " +
  "abs(gps_lon) <= 180 AND NOT (gps_lat = 0 AND gps_lon = 0)";

const TABLES = ["wifi_sightings", "bluetooth_sightings"] as const;

function toBatch(r: Record<string, unknown>): Batch {
  return {
    id: Number(r.id),
    fileName: String(r.file_name),
    state: String(r.state) as BatchState,
    sightings: Number(r.sightings),
    contentSha256: r.content_sha256 == null ? null : String(r.content_sha256),
    bytes: r.bytes == null ? null : Number(r.bytes),
    transId: r.trans_id == null ? null : String(r.trans_id),
    createdAt: String(r.created_at),
    finishedAt: r.finished_at == null ? null : String(r.finished_at),
    message: r.message == null ? null : String(r.message),
  };
}

/** Every batch, oldest first. */
export function listBatches(db: DatabaseSync): Batch[] {
  return (db.prepare("SELECT * FROM upload_batches ORDER BY id").all() as Record<
    string,
    unknown
  >[]).map(toBatch);
}

/** Batches created but not known to be accepted or refused, oldest first. */
export function pendingBatches(db: DatabaseSync): Batch[] {
  return listBatches(db).filter((b) => b.state === "pending");
}

/** Sightings with a position that no batch carries (since `since`, when given). */
export function unsentCount(db: DatabaseSync, since: string | null): number {
  let total = 0;
  for (const table of TABLES) {
    const row = db.prepare(
      `SELECT count(*) AS n FROM ${table} WHERE upload_batch IS NULL AND ${POSITIONED}${
        since === null ? "" : " AND seen_at >= ?"
      }`,
    ).get(...(since === null ? [] : [since])) as { n: number };
    total += Number(row.n);
  }
  return total;
}

/** A file name WiGLE's list can be searched by: time of creation and a random part. */
export function batchFileName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const random = [...crypto.getRandomValues(new Uint8Array(4))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return `piwardrive-${stamp}-${random}.csv.gz`;
}

/** Rows claimed per transaction: a claim holds the write lock this long, and collect waits. */
export const CLAIM_CHUNK_ROWS = 10_000;

/** Where the claims of one run have got to in each table (row ids): none is scanned twice. */
export type ClaimCursor = Record<typeof TABLES[number], number>;

export function newClaimCursor(): ClaimCursor {
  return { wifi_sightings: 0, bluetooth_sightings: 0 };
}

/**
 * Creates a pending batch of at most `maxRows` unsent positioned sightings (WiFi first, each
 * kind by row id) and claims them; null (nothing written) when there is none. The batch and its
 * first rows are one transaction, each next `CLAIM_CHUNK_ROWS` rows another, so that collect
 * never waits long for the write lock. Killed between two of them, the batch is pending with
 * fewer rows, which is as safe: it is sent with the rows it holds and the rest stay unsent.
 */
export function claimBatch(
  db: DatabaseSync,
  options: { since: string | null; maxRows: number; now?: Date; chunkRows?: number },
  cursor: ClaimCursor = newClaimCursor(),
): Batch | null {
  const now = options.now ?? new Date();
  const chunk = options.chunkRows ?? CLAIM_CHUNK_ROWS;
  let id: number | null = null;
  let claimed = 0;
  for (const table of TABLES) {
    const since = options.since === null ? "" : " AND seen_at >= ?";
    const params = options.since === null ? [] : [options.since];
    const unsent = `upload_batch IS NULL AND ${POSITIONED}${since}`;
    const last = db.prepare(
      `SELECT max(id) AS last FROM (SELECT id FROM ${table} WHERE id > ? AND ${unsent}
         ORDER BY id LIMIT ?)`,
    );
    const claim = db.prepare(
      `UPDATE ${table} SET upload_batch = ? WHERE id > ? AND id <= ? AND ${unsent}`,
    );
    while (claimed < options.maxRows) {
      db.exec("BEGIN IMMEDIATE");
      try {
        const row = last.get(cursor[table], ...params, Math.min(chunk, options.maxRows - claimed));
        const to = (row as { last: number | null }).last;
        if (to === null) {
          db.exec("ROLLBACK");
          break;
        }
        if (id === null) {
          id = Number(
            db.prepare(
              "INSERT INTO upload_batches (file_name, state, sightings, created_at) VALUES (?, 'pending', 0, ?)",
            ).run(batchFileName(now), now.toISOString()).lastInsertRowid,
          );
        }
        const n = Number(claim.run(id, cursor[table], to, ...params).changes);
        db.prepare("UPDATE upload_batches SET sightings = sightings + ? WHERE id = ?").run(n, id);
        db.exec("COMMIT");
        cursor[table] = to;
        claimed += n;
      } catch (error) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error;
      }
    }
  }
  return id === null ? null : batchById(db, id);
}

export function batchById(db: DatabaseSync, id: number): Batch {
  return toBatch(
    db.prepare("SELECT * FROM upload_batches WHERE id = ?").get(id) as Record<string, unknown>,
  );
}

/** Records what the batch's file holds (before it is sent). */
export function setContent(db: DatabaseSync, id: number, sha256: string, bytes: number): void {
  db.prepare("UPDATE upload_batches SET content_sha256 = ?, bytes = ? WHERE id = ?")
    .run(sha256, bytes, id);
}

/** WiGLE has the file: its transId and the state 'sent', in one transaction. */
export function markSent(db: DatabaseSync, id: number, transId: string, message: string | null) {
  db.exec("BEGIN IMMEDIATE");
  try {
    db.prepare(
      `UPDATE upload_batches SET state = 'sent', trans_id = ?, message = ?,
         finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND state = 'pending'`,
    ).run(transId, message, id);
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** WiGLE refused the file: the batch is 'failed' and its sightings are unsent again. */
export function markFailed(db: DatabaseSync, id: number, message: string): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    for (const table of TABLES) {
      db.prepare(`UPDATE ${table} SET upload_batch = NULL WHERE upload_batch = ?`).run(id);
    }
    db.prepare(
      `UPDATE upload_batches SET state = 'failed', message = ?,
         finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`,
    ).run(message, id);
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
