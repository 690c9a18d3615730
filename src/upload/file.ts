/**
 * A batch's file: WiGLE CSV 1.6 from the export's writer (`wigleText` over `ExportSource`),
 * gzipped as it is produced with the web-standard `CompressionStream`. Memory holds one page of
 * rows and the compressed bytes of one batch, whose size `--max-rows` bounds, never the database.
 */
import type { DatabaseSync } from "node:sqlite";
import { createHash } from "node:crypto";
import { type ExportFilter, ExportSource } from "../export/mod.ts";
import { type WigleDevice, wigleText } from "../export/wigle.ts";

export interface BatchFile {
  /** The gzipped CSV, ready for a multipart part. */
  gzip: Blob;
  /** SHA-256 of the CSV's records (not the pre-header, which names the kernel and version). */
  sha256: string;
  /** Records written (sightings inside an exclusion zone or without a position are not). */
  records: number;
}

const encoder = new TextEncoder();

/**
 * The CSV chunks of the sightings `filter` selects, in one read transaction; each chunk is
 * handed to `write`, awaited so that a slow consumer holds back the reading.
 */
export async function writeWigleCsv(
  db: DatabaseSync,
  filter: Omit<ExportFilter, "kinds" | "until">,
  device: WigleDevice,
  write: (chunk: string, first: boolean) => Promise<void>,
): Promise<ExportSource> {
  const source = new ExportSource(db, { kinds: ["wifi", "bluetooth"], until: null, ...filter });
  const chunks = wigleText(source, { best: false, device });
  db.exec("BEGIN");
  try {
    let first = true;
    for (let next = chunks.next(); !next.done; next = chunks.next()) {
      await write(next.value, first);
      first = false;
    }
  } finally {
    db.exec("COMMIT");
  }
  return source;
}

/** The gzipped file of batch `batchId` and the hash of its records. */
export async function buildBatchFile(
  db: DatabaseSync,
  batchId: number,
  device: WigleDevice,
): Promise<BatchFile> {
  const gzip = new CompressionStream("gzip");
  const writer = gzip.writable.getWriter();
  const parts: Uint8Array[] = [];
  const collected = (async () => {
    for await (const part of gzip.readable) parts.push(part);
  })();
  const hash = createHash("sha256");
  let source: ExportSource;
  try {
    source = await writeWigleCsv(
      db,
      { since: null, exclusions: [], uploadBatch: batchId },
      device,
      async (chunk, first) => {
        if (!first) hash.update(chunk);
        await writer.write(encoder.encode(chunk));
      },
    );
    await writer.close();
  } catch (error) {
    await writer.abort(error).catch(() => {});
    throw error;
  } finally {
    await collected.catch(() => {});
  }
  return {
    gzip: new Blob(parts as BlobPart[], { type: "application/gzip" }),
    sha256: hash.digest("hex"),
    records: source.counts.written,
  };
}
