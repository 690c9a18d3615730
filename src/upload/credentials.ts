/**
 * The WiGLE account: the API name from the setting `wigle.api_name`, the token from
 * `PIWARDRIVE_WIGLE_TOKEN` or a file (`--token-file`, else the setting `wigle.token_file`) that
 * only its owner can read. The token is never taken from the command line, never stored in the
 * database, and never part of a message.
 */
import type { DatabaseSync } from "node:sqlite";
import { PiwardriveError, UsageError } from "../errors.ts";
import type { WigleAccount } from "./client.ts";

function setting(db: DatabaseSync, key: string): string | null {
  const row = db.prepare("SELECT value FROM configuration WHERE key = ?").get(key) as
    | { value: string }
    | undefined;
  return row && row.value.trim() !== "" ? row.value.trim() : null;
}

/**
 * Refuses a setting that would put the token in the database (`config set wigle.token …`): a
 * copied database or backup would carry it. The value is not named in the message.
 */
export function refuseStoredSecret(key: string): void {
  const lower = key.toLowerCase();
  if (
    lower.startsWith("wigle.") && /token|secret|password/.test(lower) &&
    lower !== "wigle.token_file"
  ) {
    throw new UsageError(
      `Setting "${key}" would store a secret in the database: put the WiGLE token in PIWARDRIVE_WIGLE_TOKEN or a file of mode 0600 named by wigle.token_file`,
    );
  }
}

/** The account, or a UsageError saying which part is missing and how to give it. */
export function wigleAccount(db: DatabaseSync, tokenFile: string | undefined): WigleAccount {
  const apiName = setting(db, "wigle.api_name");
  if (apiName === null) {
    throw new UsageError(
      "No WiGLE API name: run `piwardrive config set wigle.api_name NAME` (the API name of your WiGLE account page)",
    );
  }
  const env = Deno.env.get("PIWARDRIVE_WIGLE_TOKEN");
  if (env !== undefined && env.trim() !== "") return { apiName, token: env.trim() };
  const path = tokenFile ?? setting(db, "wigle.token_file");
  if (path === null) {
    throw new UsageError(
      "No WiGLE API token: set PIWARDRIVE_WIGLE_TOKEN, or put it in a file of mode 0600 and give it with --token-file PATH or `piwardrive config set wigle.token_file PATH`",
    );
  }
  return { apiName, token: readTokenFile(path) };
}

/** The token in `path`, refused unless it is a regular file of this user's with mode 0600. */
export function readTokenFile(path: string): string {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "it does not exist"
      : "it cannot be read";
    throw new PiwardriveError(`Token file "${path}" is unusable: ${reason}`);
  }
  if (!info.isFile) throw new PiwardriveError(`Token file "${path}" is not a regular file`);
  const mode = (info.mode ?? 0) & 0o777;
  if (mode !== 0o600) {
    throw new PiwardriveError(
      `Token file "${path}" has mode ${
        mode.toString(8).padStart(4, "0")
      }: others could read the token; run \`chmod 600 ${path}\``,
    );
  }
  if (info.uid !== Deno.uid()) {
    throw new PiwardriveError(
      `Token file "${path}" belongs to user ${info.uid}, not to this user (${Deno.uid()}): use a file of your own`,
    );
  }
  let token: string;
  try {
    token = Deno.readTextFileSync(path).trim();
  } catch {
    throw new PiwardriveError(`Token file "${path}" cannot be read`);
  }
  if (token === "" || /\s/.test(token)) {
    throw new PiwardriveError(`Token file "${path}" must hold the API token alone on one line`);
  }
  return token;
}
