/**
 * Migration checksums: SHA-256 of the file after dropping a leading byte-order mark and turning
 * CRLF into LF, and nothing else. A line-ending-only change (a checkout on Windows) is not a
 * modification; any other byte is.
 */
import { sha256Hex } from "./sha256.ts";

/** Tag stored in front of the hex digest, so the algorithm can change without ambiguity. */
export const CHECKSUM_ALGORITHM = "sha256";

/** The text a checksum is computed over. */
export function normalizeMigrationText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.replaceAll("\r\n", "\n");
}

/**
 * The tagged checksum of a migration file's text.
 *
 * @example
 * ```ts
 * migrationChecksum("SELECT 1;\r\n") === migrationChecksum("SELECT 1;\n"); // true
 * migrationChecksum("SELECT 1;\n"); // "sha256:…64 hex digits"
 * ```
 */
export function migrationChecksum(text: string): string {
  const digest = sha256Hex(new TextEncoder().encode(normalizeMigrationText(text)));
  return `${CHECKSUM_ALGORITHM}:${digest}`;
}
