/**
 * The peers the benchmark tests compare piwardrive with (sqlite3, aiosqlite). On a laptop a
 * missing peer drops its comparison with a warning; under `CI=true` it fails the test instead, so
 * a CI machine missing a package cannot pass by comparing with nothing (`.ci/run` installs them).
 */

/**
 * `found` when the peer is there; null (after a warning) when it is not, outside CI.
 *
 * @example
 * ```ts
 * const sqlite3 = requirePeer("sqlite3", which("sqlite3"));
 * if (sqlite3) { … compare with it … }
 * ```
 */
export function requirePeer<T>(name: string, found: T | null | false): T | null {
  if (found) return found;
  if (Deno.env.get("CI") === "true") {
    throw new Error(
      `The peer ${name} is missing: it is required under CI=true (bash .ci/run installs it)`,
    );
  }
  console.warn(`${name} is missing: its comparison is skipped (under CI=true this fails)`);
  return null;
}

/** For `Deno.test({ ignore })`: ignore only when the peer is missing and this is not CI. */
export function peerMissingOutsideCi(found: unknown): boolean {
  return !found && Deno.env.get("CI") !== "true";
}
