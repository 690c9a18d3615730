/**
 * What an operator's path is before anything is written to it: its kind (a symlink, a FIFO or a
 * device is never replaced by a regular file), whether its folder can be written, and how a file
 * that replaces another keeps that file's identity (the symlink's target, owner, group, mode).
 */
import { parentDir } from "../paths.ts";
import { errorMessage, PiwardriveError } from "../errors.ts";

/** "a folder", "a symlink", "a FIFO"… for messages; null when nothing is at `path`. */
export function kindAt(path: string): string | null {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  return describeKind(info);
}

/** The kind of a file as lstat saw it. */
export function describeKind(info: Deno.FileInfo): string {
  if (info.isSymlink) return "a symlink";
  if (info.isDirectory) return "a folder";
  if (info.isFile) return "a file";
  if (info.isFifo) return "a FIFO";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return "something that is not a regular file";
}

/** Whether `a` and `b` name the same file once symlinks are followed (false if either is missing). */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = Deno.statSync(a);
    const y = Deno.statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * The file a database path stands for: a symlink is followed, so that a file put in its place
 * replaces the target and the link stays a link. Missing paths come back as they are.
 */
export function realTarget(path: string): string {
  for (let hops = 0; hops < 40; hops++) {
    try {
      if (!Deno.lstatSync(path).isSymlink) return path;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return path; // a dangling link's missing target
      throw error;
    }
    const link = Deno.readLinkSync(path);
    path = link.startsWith("/") ? link : `${parentDir(path)}/${link}`;
  }
  throw new PiwardriveError(`Cannot follow "${path}": too many levels of symlinks`);
}

/**
 * Why this process may not write the regular file at `path`, or null when it may: it is opened
 * for writing and closed, which changes nothing. Deno has no access(2), and node:fs's accessSync
 * judges by mode bits, which is wrong for root (who writes any file but on a read-only mount).
 */
export function fileWriteProblem(path: string): string | null {
  try {
    Deno.openSync(path, { write: true }).close();
    return null;
  } catch (error) {
    return describeDenial(path, error);
  }
}

/** Why this process may not create files in `dir`, or null: a probe file is made and removed. */
export function dirWriteProblem(dir: string): string | null {
  let probe: string;
  try {
    probe = Deno.makeTempFileSync({ dir, prefix: ".piwardrive-probe-" });
  } catch (error) {
    return describeDenial(dir, error);
  }
  Deno.removeSync(probe);
  return null;
}

/** Whether this process may write the regular file at `path`. */
export function canWriteFile(path: string): boolean {
  return fileWriteProblem(path) === null;
}

/**
 * Refuses, naming the path and why, when the database at `dbPath` (or, when it does not exist, its
 * folder) cannot be written by this process: before a writer creates a lock or a journal beside it.
 */
export function ensureWritableDatabase(dbPath: string): void {
  const dir = parentDir(dbPath);
  const fail = (why: string) => new PiwardriveError(`Cannot write database "${dbPath}": ${why}`);
  let exists = true;
  try {
    Deno.statSync(dbPath);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw fail(errorMessage(error));
    exists = false;
  }
  // The lock goes beside the path, SQLite's -wal and -shm beside the file a symlink points at:
  // both folders must be writable.
  for (const folder of new Set([dir, parentDir(realTarget(dbPath))])) {
    let folderExists = true;
    try {
      Deno.statSync(folder);
    } catch {
      folderExists = false;
    }
    const problem = folderExists ? dirWriteProblem(folder) : null;
    if (problem) {
      throw fail(`the folder "${folder}" is read-only (${problem}); use a writable folder`);
    }
  }
  const fileProblem = exists ? fileWriteProblem(dbPath) : null;
  if (fileProblem) throw fail(`the file is read-only (${fileProblem}); make it writable first`);
}

/** The OS's reason, with the mode and owners that explain a permission denial. */
function describeDenial(path: string, error: unknown): string {
  // Deno appends the syscall and path ("…(os error 13): open 'x.db'"); the message names the path.
  const reason = errorMessage(error).replace(/^(.*?\(os error \d+\)).*$/s, "$1");
  if (!(error instanceof Deno.errors.PermissionDenied)) return reason; // e.g. a read-only mount
  try {
    const info = Deno.statSync(path);
    const mode = (info.mode! & 0o777).toString(8).padStart(4, "0");
    return `${reason}; mode ${mode}, owner uid ${info.uid}, this process uid ${Deno.uid()}`;
  } catch {
    return reason;
  }
}

/**
 * Gives `staging` (a file this run made to replace `original`) the owner, group and mode of
 * `original`, before the rename: a database owned by a service user, replaced by root, stays the
 * service user's. Only root may give a file away; anyone else keeps their own (which is the
 * original's owner whenever they could replace it).
 */
export function copyIdentity(original: Deno.FileInfo, staging: string): void {
  if (Deno.uid() === 0 && original.uid !== null && original.gid !== null) {
    Deno.chownSync(staging, original.uid, original.gid);
  } else if (original.gid !== null) {
    try {
      Deno.chownSync(staging, null, original.gid); // allowed when the user is in that group
    } catch { /* keeps the user's own group */ }
  }
  Deno.chmodSync(staging, original.mode! & 0o7777);
}
