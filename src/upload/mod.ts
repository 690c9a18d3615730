/**
 * WiGLE uploads: the queue in the database (`batches.ts`: a batch claims its sightings before it
 * is sent and records WiGLE's transId after), the file of a batch (`file.ts`: the export's WiGLE
 * CSV writer, gzipped as it streams), the API client (`client.ts`), the account (`credentials.ts`),
 * one run with its retries (`run.ts`), the status (`status.ts`), the one-upload-at-a-time lock
 * (`lock.ts`) and the hosts the upload may reach (`hosts.ts`). Output and exit codes belong to
 * the CLI (`src/cli/upload_command.ts`).
 */
export { type Batch, type BatchState, claimBatch, listBatches, unsentCount } from "./batches.ts";
export {
  AuthError,
  DEFAULT_WIGLE_URL,
  MalformedError,
  RefusedError,
  TransientError,
  wigleBaseUrl,
  WigleClient,
} from "./client.ts";
export { wigleAccount } from "./credentials.ts";
export { runUpload, type UploadOptions, type UploadReport } from "./run.ts";
export { uploadStatus } from "./status.ts";
