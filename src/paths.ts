/**
 * The path operations the start-up path needs. `node:path` would do, but loading it costs
 * `migrate --verify` about 15 ms of its start-up; these cover POSIX paths, which is all a Pi has.
 */

/** The folder part of `path` (`"."` for a bare file name, `"/"` for a file at the root). */
export function parentDir(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const slash = trimmed.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : trimmed.slice(0, slash);
}

/** `parts` joined by single slashes. */
export function joinPath(...parts: string[]): string {
  return parts.join("/").replace(/\/{2,}/g, "/");
}

/** Whether anything (a dangling symlink too) is at `path` now; false when it cannot be seen. */
export function existsNow(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
