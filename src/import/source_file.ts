/**
 * Opening a file to import without ever changing it. SQLite's `immutable` URI would say so
 * directly, but Deno 2.9.5's node:sqlite, under any permissions short of `--allow-all`, resolves
 * the path for its permission check and hands SQLite that path, so `file:…?immutable=1` becomes
 * a relative file name that does not exist. So: a file in rollback-journal mode (Kismet's, the
 * original PiWardrive's without WAL) is opened `readOnly` (SQLITE_OPEN_READONLY: shared locks
 * only, nothing created beside it, a leftover persisted journal merely read, and a read-only
 * folder is fine); a file in WAL mode (piwardrive's own, app.db) or with a hot journal, which a
 * reader would have to recover (create `-shm`, replay the WAL, roll the journal back), is read
 * from a private copy in a temporary folder instead. The content hash (SHA-256 of the bytes,
 * the `-wal` included) is the source's identity.
 */
import { DatabaseSync } from "node:sqlite";
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { errorMessage, PiwardriveError } from "../errors.ts";
import { openCopy } from "../db/open.ts";

const SQLITE_HEADER = "SQLite format 3\0";
const HOT_JOURNAL_MAGIC = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

/** A source opened read-only; `close()` also removes any private copy. */
export interface OpenedSource {
  path: string;
  fileName: string;
  /** `sha256:<hex>` of the file (and its `-wal`). */
  contentHash: string;
  bytes: number;
  db: DatabaseSync;
  /** Why the file is read from a private copy (WAL mode, a hot journal); null when it is not. */
  copiedBecause: string | null;
  close(): void;
}

/**
 * Opens `path` read-only, or throws a one-line error saying what the file is instead.
 *
 * @example
 * ```ts
 * const source = openSourceFile("Kismet-20181205-15-47-32-1.kismet");
 * source.db.prepare("SELECT db_version FROM KISMET").get();
 * source.close();
 * ```
 */
export function openSourceFile(path: string): OpenedSource {
  const fail = (detail: string) => new PiwardriveError(`Cannot import "${path}": ${detail}`);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    throw fail(error instanceof Deno.errors.NotFound ? "no such file" : errorMessage(error));
  }
  if (!info.isFile) throw fail("it is not a file");
  const head = readHead(path, 100);
  if (new TextDecoder().decode(head.subarray(0, 16)) !== SQLITE_HEADER) {
    throw fail(
      `${
        describeNonSqlite(head, info.size)
      }; give a piwardrive database, PiWardrive's app.db or a Kismet .kismet log`,
    );
  }
  ensureWhole(head, info.size, fail);
  const wal = sizeOf(`${path}-wal`);
  const hash = createHash("sha256");
  hashFile(path, hash);
  if (wal > 0) hashFile(`${path}-wal`, hash);
  const contentHash = `sha256:${hash.digest("hex")}`;
  // Header bytes 18-19 are 2 for a database in WAL mode.
  const copiedBecause = head[18] === 2 || head[19] === 2
    ? "it is in WAL mode, which a reader must be able to write beside"
    : isHotJournal(`${path}-journal`)
    ? "a hot journal beside it must be rolled back"
    : null;
  let db: DatabaseSync;
  if (copiedBecause) {
    // SQLite applies the WAL or rolls the journal back on the copy, never on the original.
    db = openCopy(
      path,
      "piwardrive-import-",
      (_dir, error) => fail(`cannot be read as SQLite: ${errorMessage(error)}`),
    );
  } else {
    let opened: DatabaseSync | null = null;
    try {
      opened = new DatabaseSync(path, { readOnly: true });
      opened.prepare("SELECT count(*) FROM sqlite_master").get();
    } catch (error) {
      opened?.close();
      throw fail(`cannot be read as SQLite: ${errorMessage(error)}`);
    }
    db = opened;
  }
  return {
    path,
    fileName: basename(path),
    contentHash,
    bytes: info.size,
    db,
    copiedBecause,
    close() {
      if (db.isOpen) db.close(); // a copy's folder goes with it
    },
  };
}

/** The header's page count against the file's size: a truncated copy is refused up front. */
function ensureWhole(head: Uint8Array, size: number, fail: (detail: string) => Error): void {
  if (head.length < 100) throw fail(`it is truncated: ${size} bytes, shorter than SQLite's header`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const raw = view.getUint16(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const pages = view.getUint32(28);
  // The in-header size is valid only when "version-valid-for" equals the change counter.
  if (pages === 0 || view.getUint32(92) !== view.getUint32(24)) return;
  if (size < pages * pageSize) {
    throw fail(
      `it is truncated: ${size} bytes, its header says ${
        pages * pageSize
      }; copy the whole file again`,
    );
  }
}

function describeNonSqlite(head: Uint8Array, size: number): string {
  if (size === 0) return "the file is empty";
  const text = new TextDecoder("utf-8", { fatal: true });
  try {
    const start = text.decode(head).split(/\r?\n/)[0].slice(0, 40);
    // Control characters other than tab, CR and LF mean binary data.
    // deno-lint-ignore no-control-regex
    if (!/[\x00-\x08\x0e-\x1f]/.test(start)) {
      return `it is text, not a SQLite database (it starts ${JSON.stringify(start)})`;
    }
  } catch {
    // not UTF-8: binary
  }
  return `it is not a SQLite database (${size} bytes without SQLite's header; an encrypted ` +
    "SQLCipher app.db looks like this: decrypt it first with its key)";
}

function readHead(path: string, n: number): Uint8Array {
  const file = Deno.openSync(path);
  try {
    const buffer = new Uint8Array(n);
    let read = 0;
    while (read < n) {
      const got = file.readSync(buffer.subarray(read));
      if (got === null) break;
      read += got;
    }
    return buffer.subarray(0, read);
  } finally {
    file.close();
  }
}

function hashFile(path: string, hash: ReturnType<typeof createHash>): void {
  const file = Deno.openSync(path);
  try {
    const buffer = new Uint8Array(1 << 20);
    for (let got = file.readSync(buffer); got !== null; got = file.readSync(buffer)) {
      hash.update(buffer.subarray(0, got));
    }
  } finally {
    file.close();
  }
}

function sizeOf(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

function isHotJournal(path: string): boolean {
  try {
    const head = readHead(path, 8);
    return head.length === 8 && HOT_JOURNAL_MAGIC.every((b, i) => head[i] === b);
  } catch {
    return false;
  }
}
