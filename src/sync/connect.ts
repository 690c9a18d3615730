/**
 * The connection to the central server, through the `postgres` npm client (pure JavaScript, no
 * native parts: it bundles into the single file and runs on ARM64 Deno). Turns the client's
 * failures into one-line errors with sync's exit codes; messages name the server, never the
 * password.
 */
import postgres from "postgres";
import { errorMessage, ExitCode, PiwardriveError } from "../errors.ts";
import type { SyncTarget } from "./target.ts";

/** The client's query function. */
export type Sql = postgres.Sql;
/** A transaction of it. */
export type TransactionSql = postgres.TransactionSql;
/** Positional parameters of `unsafe` queries (arrays travel as PostgreSQL arrays). */
export type Parameters = postgres.ParameterOrJSON<never>[];

const CONNECT_TIMEOUT_S = 10;

/** Opens a client of `target` (one connection, opened by the first query). */
export function openCentral(target: SyncTarget, password: string | undefined): Sql {
  const ssl = target.sslMode === "disable"
    ? false
    : target.sslMode === "verify-ca" || target.sslMode === "verify-full"
    ? "verify-full"
    : target.sslMode;
  return postgres({
    host: target.host,
    port: target.port,
    database: target.database,
    username: target.user,
    password,
    ssl,
    max: 1,
    connect_timeout: CONNECT_TIMEOUT_S,
    idle_timeout: 0,
    onnotice: () => {},
    connection: { application_name: "piwardrive sync", TimeZone: "UTC" },
  });
}

/**
 * While `use` runs, swallows one known late error of the client: when the server connection dies
 * during a transaction, the client queues its ROLLBACK for the next tick and that tick writes to
 * the socket it has already dropped (`Cannot read properties of null (reading 'write')`). The
 * failure itself reaches the caller as the query's rejection (CONNECTION_CLOSED); without this,
 * the stray TypeError would end the program with a stack trace instead of the one-line error.
 */
export async function guardingClientRaces<T>(use: () => Promise<T>): Promise<T> {
  const swallow = (event: ErrorEvent) => {
    const error = event.error;
    if (
      error instanceof TypeError && /reading 'write'/.test(error.message) &&
      /postgres/.test(error.stack ?? "")
    ) {
      event.preventDefault();
    }
  };
  globalThis.addEventListener("error", swallow);
  try {
    return await use();
  } finally {
    // The stray write fires on the tick after the rejection: wait for it before listening stops.
    await new Promise((resolve) => setTimeout(resolve, 50));
    globalThis.removeEventListener("error", swallow);
  }
}

/** Where a failure of the client belongs, with the line the user reads. */
export function classifyFailure(
  error: unknown,
  target: SyncTarget,
  hadPassword = true,
): PiwardriveError {
  if (error instanceof PiwardriveError) return error;
  const where = `${target.host}:${target.port}`;
  const code = (error as { code?: string }).code;
  const name = (error as { name?: string }).name;
  const message = errorMessage(error);
  if (name === "NotCapable" || /NotCapable|Requires net access/.test(message)) {
    return new PiwardriveError(
      `Cannot reach PostgreSQL at ${where}: not permitted (sync may reach only the --to host)`,
      ExitCode.syncUnreachable,
    );
  }
  if ((code === "28P01" || /password/i.test(message)) && !hadPassword) {
    return new PiwardriveError(
      `PostgreSQL at ${where} asks for a password and none was given: set PGPASSWORD, add it ` +
        "to ~/.pgpass or name a file with PIWARDRIVE_PG_PASSWORD_FILE",
      ExitCode.syncAuth,
    );
  }
  if (code === "28P01" || code === "28000") {
    return new PiwardriveError(
      `PostgreSQL at ${where} refused user "${target.user}": ${message}; check the password ` +
        "(PGPASSWORD, ~/.pgpass or PIWARDRIVE_PG_PASSWORD_FILE) and pg_hba.conf",
      ExitCode.syncAuth,
    );
  }
  if (code === "3D000") {
    return new PiwardriveError(
      `PostgreSQL at ${where} has no database "${target.database}": create it (with PostGIS available) or fix the --to URL`,
      ExitCode.syncUnreachable,
    );
  }
  if (
    target.sslMode !== "disable" && target.sslMode !== "allow" && target.sslMode !== "prefer" &&
    (code === "ECONNRESET" || /TLS|SSL|certificate/i.test(message))
  ) {
    return new PiwardriveError(
      `PostgreSQL at ${where} did not set up TLS as sslmode=${target.sslMode} requires: ${message}`,
      ExitCode.syncAuth,
    );
  }
  const network: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ETIMEDOUT: "timed out",
    CONNECT_TIMEOUT: "timed out",
    ENOTFOUND: "unknown host",
    EHOSTUNREACH: "no route to host",
    ENETUNREACH: "network unreachable",
    ECONNRESET: "connection reset",
    CONNECTION_CLOSED: "connection closed",
    CONNECTION_ENDED: "connection closed",
    CONNECTION_DESTROYED: "connection closed",
    EPIPE: "connection closed",
  };
  if (code !== undefined && code in network) {
    return new PiwardriveError(
      `Cannot reach PostgreSQL at ${where}: ${network[code]}; check the --to host and port, ` +
        "then run sync again (it resumes where it stopped)",
      ExitCode.syncUnreachable,
    );
  }
  return new PiwardriveError(`PostgreSQL at ${where} failed: ${message}`, ExitCode.runtime);
}
