/**
 * One `piwardrive upload`: first the batches a previous run left pending (looked up in WiGLE's
 * transaction list by file name, sent again only when WiGLE does not have them), then new
 * batches until no unsent positioned sighting is left. Unreachable WiGLE (no network, DNS,
 * timeout, 5xx, 429) is retried with doubling waits up to `retries` times, then the run stops
 * with `OfflineError` (exit 5): every batch not sent stays pending, its rows claimed, for the
 * next run.
 */
import type { DatabaseSync } from "node:sqlite";
import { OfflineError, PiwardriveError } from "../errors.ts";
import type { WigleDevice } from "../export/wigle.ts";
import {
  type Batch,
  batchById,
  claimBatch,
  markFailed,
  markSent,
  newClaimCursor,
  pendingBatches,
  setContent,
} from "./batches.ts";
import {
  AuthError,
  MalformedError,
  RefusedError,
  TransientError,
  type WigleClient,
} from "./client.ts";
import { buildBatchFile } from "./file.ts";

export interface UploadOptions {
  since: string | null;
  donate: boolean;
  /** Sightings per file at most. */
  maxRows: number;
  /** Attempts after the first for an unreachable WiGLE. */
  retries: number;
  /** The first wait between attempts; each next one doubles. */
  backoffMs: number;
  device: WigleDevice;
  /** Progress and per-batch lines. */
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface UploadReport {
  sent: Batch[];
  /** Pending batches found in WiGLE's list and recorded without sending them again. */
  recovered: Batch[];
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the upload; throws `OfflineError` or a `PiwardriveError` with the queue intact. */
export async function runUpload(
  db: DatabaseSync,
  client: WigleClient,
  options: UploadOptions,
): Promise<UploadReport> {
  const report: UploadReport = { sent: [], recovered: [] };
  for (const batch of pendingBatches(db)) {
    await deliver(db, client, batch, true, options, report);
  }
  const cursor = newClaimCursor();
  for (;;) {
    const batch = claimBatch(db, { since: options.since, maxRows: options.maxRows }, cursor);
    if (batch === null) break;
    await deliver(db, client, batch, false, options, report);
  }
  return report;
}

/** Sends `batch` (after looking it up when it may have reached WiGLE) and records the outcome. */
async function deliver(
  db: DatabaseSync,
  client: WigleClient,
  batch: Batch,
  mayBeThere: boolean,
  options: UploadOptions,
  report: UploadReport,
): Promise<void> {
  const sleep = options.sleep ?? wait;
  let lastFailure = "";
  let uploading = false;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (attempt > 0) await sleep(options.backoffMs * 2 ** (attempt - 1));
    uploading = false;
    try {
      if (mayBeThere) {
        const known = (await client.transactions()).find((t) => t.fileName === batch.fileName);
        if (known) {
          markSent(db, batch.id, known.transId, "found in WiGLE's transaction list");
          const done = batchById(db, batch.id);
          report.recovered.push(done);
          options.log(
            `${batch.fileName}: already at WiGLE (transId ${known.transId}), not sent again`,
          );
          return;
        }
      }
      const file = await buildBatchFile(db, batch.id, options.device);
      if (file.records === 0) {
        // Its sightings were deleted since it was claimed: there is nothing to send.
        markFailed(db, batch.id, "none of its sightings is left in the database");
        options.log(`${batch.fileName}: none of its sightings is left; not sent`);
        return;
      }
      if (batch.contentSha256 !== null && batch.contentSha256 !== file.sha256) {
        options.log(`${batch.fileName}: its rows changed since it was first built; sending them`);
      }
      setContent(db, batch.id, file.sha256, file.gzip.size);
      // From here the file may reach WiGLE whatever happens to this process.
      mayBeThere = true;
      uploading = true;
      const answer = await client.upload(batch.fileName, file.gzip, options.donate);
      markSent(db, batch.id, answer.transId, answer.warning);
      const done = batchById(db, batch.id);
      report.sent.push(done);
      options.log(
        `${batch.fileName}: sent ${file.records} sightings (${file.gzip.size} bytes), transId ${answer.transId}`,
      );
      return;
    } catch (error) {
      if (error instanceof TransientError) {
        lastFailure = error.message;
        options.log(
          `${batch.fileName}: WiGLE unreachable (${error.message})${
            attempt < options.retries ? ", retrying" : ""
          }`,
        );
        continue;
      }
      if (error instanceof AuthError) {
        throw new PiwardriveError(
          `WiGLE refused the API name or token (${error.message}): check \`piwardrive config get wigle.api_name\` and the token; the queue is intact`,
        );
      }
      if (error instanceof RefusedError && !uploading) {
        throw new PiwardriveError(
          `WiGLE refused to list its transactions (${error.message}); ${batch.fileName} stays pending and is looked up by name at the next run`,
        );
      }
      if (error instanceof RefusedError) {
        markFailed(db, batch.id, error.message);
        throw new PiwardriveError(
          `WiGLE refused ${batch.fileName}: ${error.message}; its sightings stay queued for the next run`,
        );
      }
      if (error instanceof MalformedError) {
        throw new PiwardriveError(
          `WiGLE's answer for ${batch.fileName} is not what its API returns (${error.message}); the batch stays pending and is looked up by name at the next run`,
        );
      }
      throw error;
    }
  }
  throw new OfflineError(
    `WiGLE unreachable after ${
      options.retries + 1
    } attempts (${lastFailure}); the queue is intact: run \`piwardrive upload\` again later`,
  );
}
