/**
 * Errors a user can meet, each carrying the process exit code the CLI turns it into.
 * The codes are documented in the README and used by every command.
 */

/** Process exit codes. */
export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  verificationFailed: 3,
  schemaNewer: 4,
  offline: 5,
  // 5 is kept for upload. Sync's failures, each its own code so a script can tell them apart:
  /** The central server cannot be reached (refused, timed out, no route, not permitted). */
  syncUnreachable: 6,
  /** The central server refused the user or password, or TLS as sslmode asks for it. */
  syncAuth: 7,
  /** The central schema is older or newer than this binary, or its ledger does not match. */
  syncSchema: 8,
} as const;
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** A failure with a one-line message meant for the user, and the exit code it maps to. */
export class PiwardriveError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.runtime, options?: ErrorOptions) {
    super(message, options);
    this.name = "PiwardriveError";
    this.exitCode = exitCode;
  }
}

/** A bad flag, value or argument: exit 2. */
export class UsageError extends PiwardriveError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.usage, options);
    this.name = "UsageError";
  }
}

/** The database holds versions this binary does not know: exit 4. */
export class SchemaNewerError extends PiwardriveError {
  readonly unknownVersions: number[];
  constructor(unknownVersions: number[], latestKnown: number) {
    super(
      `Database schema is newer than this binary: it has version(s) ${
        unknownVersions.join(", ")
      }, this binary knows up to ${latestKnown}; use a newer piwardrive`,
      ExitCode.schemaNewer,
    );
    this.name = "SchemaNewerError";
    this.unknownVersions = unknownVersions;
  }
}

/** The database file does not exist (and the command does not create it): exit 1. */
export class DatabaseMissingError extends PiwardriveError {
  readonly path: string;
  constructor(path: string) {
    super(`Cannot open database "${path}": no such file; run \`piwardrive migrate\` to create it`);
    this.name = "DatabaseMissingError";
    this.path = path;
  }
}

/** WiGLE could not be reached (network, DNS, timeout, 5xx, 429) after the retries: exit 5. */
export class OfflineError extends PiwardriveError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.offline, options);
    this.name = "OfflineError";
  }
}

/**
 * The database is not what this binary can vouch for: exit 3. Its subclasses name which of the
 * three it is; `collect --strict` throws this class itself with verify's findings.
 */
export class VerificationError extends PiwardriveError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.verificationFailed, options);
    this.name = "VerificationError";
  }
}

/**
 * The applied ledger disagrees with the embedded migrations: versions this binary does not carry
 * although older than its latest (`missing`), or migrations changed since they were applied
 * (`checksum`).
 */
export class LedgerMismatchError extends VerificationError {
  readonly kind: "missing" | "checksum";
  readonly versions: readonly number[];
  constructor(kind: "missing" | "checksum", versions: readonly number[]) {
    super(
      kind === "missing"
        ? `Applied version(s) ${
          versions.join(", ")
        } are missing from this binary; run \`piwardrive migrate --verify\``
        : `Applied migration(s) ${
          versions.map((v) => String(v).padStart(4, "0")).join(", ")
        } differ from the ones in this binary (checksum mismatch); run \`piwardrive migrate --verify\` for details`,
    );
    this.name = "LedgerMismatchError";
    this.kind = kind;
    this.versions = versions;
  }
}

/** A database without this binary's ledger whose schema matches none of the versions it knows. */
export class SchemaMismatchError extends VerificationError {
  /** The known version with the fewest differences, and those differences. */
  readonly closestVersion: number;
  readonly differences: readonly string[];
  constructor(closestVersion: number, differences: readonly string[], message: string) {
    super(message);
    this.name = "SchemaMismatchError";
    this.closestVersion = closestVersion;
    this.differences = differences;
  }
}

/** A file that fails SQLite's own checks (or cannot be read as a database at all). */
export class DamagedDatabaseError extends VerificationError {
  readonly path: string;
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DamagedDatabaseError";
    this.path = path;
  }
}

/** The message of anything thrown, for one-line reports. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
