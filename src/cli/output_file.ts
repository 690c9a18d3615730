/**
 * Where `export -o PATH` writes, decided before any byte is written, and the writing itself:
 *
 * - nothing at PATH: a new file, written as `PATH.tmp-<pid>` (mode 0600: a location history) and
 *   linked into place only when complete, so it never replaces a file that appeared meanwhile;
 * - a regular file: refused, or with `force` replaced atomically by a temporary file beside it
 *   that first takes its owner, group and mode;
 * - a symlink: followed; what it points to is what is created, refused or replaced, and the link
 *   stays (a dangling link is refused without `force`, its target created with it);
 * - a FIFO, a character device, the process's own descriptors (`/dev/stdout`, `/dev/fd/N` of a
 *   process substitution): written through, with or without `force`, since writing to them
 *   removes nothing; a block device (a disk) only with `force`;
 * - a directory: refused.
 *
 * A temporary file is locked (flock) by the export writing it. One whose export was killed is
 * recognised by its exact name and by its lock being free, and removed by the next export to the
 * same target: the kernel drops a dead process's locks, so a live export's file is never touched.
 */
import { basename, dirname, resolve } from "node:path";
import { errorMessage, PiwardriveError, UsageError } from "../errors.ts";
import { existsNow } from "../paths.ts";

/**
 * Where bytes go: `Deno.stdout`, an open file, or a test's capture. The bytes passed to `write`
 * are reused once its promise settles: a writer that keeps them keeps a copy.
 */
export interface ByteWriter {
  write(bytes: Uint8Array): Promise<number>;
}

/** How an output path is written. */
export type OutputPlan =
  /** Standard output or standard error, the writers the process already holds. */
  | { kind: "stdio"; path: string; fd: 1 | 2 }
  /** Opened and written as it is: a FIFO, a character device, a descriptor of this process. */
  | { kind: "through"; path: string; open: string; append: boolean }
  /** `dest` does not exist: created from a temporary file, never replacing anything. */
  | { kind: "new"; path: string; dest: string }
  /** `dest` is a regular file the user asked (`--force`) to replace. */
  | { kind: "replace"; path: string; dest: string; owner: Deno.FileInfo };

/** Links followed before giving up, as the kernel's own limit (ELOOP). */
const MAX_LINKS = 40;
/** A descriptor of this process, however it is named. */
const OWN_DESCRIPTOR = /^\/(?:dev\/fd|proc\/(?:self|thread-self|\d+)\/fd)\/(\d+)$/;

/** The plan for an `-o` option: null for stdout (`-` or no option), else `planOutput`'s. */
export function planOutputOption(
  output: string | undefined,
  force: boolean | undefined,
  dbPath: string,
): OutputPlan | null {
  return output === undefined || output === "-" ? null : planOutput(output, force ?? false, dbPath);
}

/**
 * Decides how `path` is written, refusing what must not be touched: the database `dbPath` and
 * the files beside it always, whatever `force` says. Reads only.
 *
 * @example
 * ```ts
 * planOutput("drive.csv", false, "p.db"); // { kind: "new", path: "drive.csv", dest: "drive.csv" }
 * planOutput("/dev/null", false, "p.db"); // { kind: "through", … }
 * ```
 */
export function planOutput(path: string, force: boolean, dbPath: string): OutputPlan {
  if (path.trim() === "" || path.includes("\0")) {
    throw new UsageError(`Invalid output path ${JSON.stringify(path)}: give a file path or "-"`);
  }
  ensureNotTheDatabase(path, dbPath);
  let current = path;
  let linked = false;
  for (let hops = 0;; hops++) {
    const descriptor = ownDescriptor(resolve(current));
    if (descriptor !== null) {
      if (descriptor === 1 || descriptor === 2) return { kind: "stdio", path, fd: descriptor };
      // Deno opens /dev/fd/N but refuses the /proc spelling: the same descriptor either way.
      return { kind: "through", path, open: `/dev/fd/${descriptor}`, append: true };
    }
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(current);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        throw new PiwardriveError(`Cannot check output "${path}": ${osReason(error)}`);
      }
      if (linked && !force) {
        throw new PiwardriveError(
          `Output "${path}" is a link to "${current}", which does not exist: use --force to create it`,
        );
      }
      return { kind: "new", path, dest: current };
    }
    if (info.isSymlink) {
      if (hops >= MAX_LINKS) {
        throw new PiwardriveError(`Output "${path}" is a loop of links: give a file`);
      }
      current = resolve(dirname(current), Deno.readLinkSync(current));
      linked = true;
      continue;
    }
    if (info.isDirectory) {
      throw new PiwardriveError(`Output "${path}" is a directory: give a file`);
    }
    if (info.isFile) {
      if (!force) {
        const what = linked ? `links to "${current}", which exists` : "exists";
        throw new PiwardriveError(`Output file "${path}" ${what}: use --force to replace it`);
      }
      return { kind: "replace", path, dest: current, owner: info };
    }
    if (info.isBlockDevice && !force) {
      throw new PiwardriveError(
        `Output "${path}" is a block device (a disk): use --force to write over it`,
      );
    }
    return { kind: "through", path, open: current, append: false };
  }
}

/** The descriptor number when `path` names one of this process's own descriptors. */
function ownDescriptor(path: string): number | null {
  if (path === "/dev/stdout") return 1;
  if (path === "/dev/stderr") return 2;
  const match = OWN_DESCRIPTOR.exec(path);
  if (match === null) return null;
  const pid = /^\/proc\/(\d+)\//.exec(path)?.[1];
  return pid === undefined || Number(pid) === Deno.pid ? Number(match[1]) : null;
}

/**
 * Runs `write` against the plan's destination. A new or replaced file appears only complete: on
 * any error or interrupt the temporary file is removed and the destination is untouched.
 */
export async function writeOutput<R>(
  plan: OutputPlan,
  write: (writer: ByteWriter) => Promise<R>,
  stdio: { stdout: ByteWriter; stderr: ByteWriter },
): Promise<R> {
  switch (plan.kind) {
    case "stdio":
      return await write(plan.fd === 1 ? stdio.stdout : stdio.stderr);
    case "through":
      return await writeThrough(plan.path, plan.open, plan.append, write);
    case "new":
    case "replace":
      return await writeByRename(plan, write);
  }
}

async function writeThrough<R>(
  path: string,
  open: string,
  append: boolean,
  write: (writer: ByteWriter) => Promise<R>,
): Promise<R> {
  let file: Deno.FsFile;
  try {
    // No truncate and no create: a FIFO or device has nothing to truncate, and a descriptor's
    // own file was truncated (or is appended to) by whoever opened it.
    file = await Deno.open(open, { write: true, append });
  } catch (error) {
    throw cannotWrite(path, error);
  }
  try {
    return await write(file);
  } finally {
    file.close();
  }
}

async function writeByRename<R>(
  plan: Extract<OutputPlan, { kind: "new" | "replace" }>,
  write: (writer: ByteWriter) => Promise<R>,
): Promise<R> {
  const { path, dest } = plan;
  removeLeftovers(dest);
  const temporary = temporaryName(dest, Deno.pid);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(temporary, { write: true, createNew: true, mode: 0o600 });
  } catch (error) {
    throw cannotWrite(path, error);
  }
  try {
    // Taken at once and held until the file is in place: a later export sees a live writer.
    file.lockSync(true);
    const result = await write(file);
    try {
      // On disk before it takes the name: a power cut must not leave an empty file there.
      file.syncDataSync();
      if (plan.kind === "replace") keepIdentity(temporary, plan);
    } catch (error) {
      throw cannotWrite(path, error);
    }
    moveIntoPlace(temporary, plan);
    return result;
  } finally {
    file.close();
    try {
      Deno.removeSync(temporary);
    } catch {
      // Moved into place by rename: the name is gone already.
    }
  }
}

/** `dest.tmp-<pid>`: beside the target, so the rename stays on one file system. */
function temporaryName(dest: string, pid: number): string {
  return `${dest}.tmp-${pid}`;
}

/** The replaced file's owner, group and mode, given to its replacement before the rename. */
function keepIdentity(
  temporary: string,
  { path, owner }: Extract<OutputPlan, { kind: "replace" }>,
): void {
  const own = Deno.lstatSync(temporary);
  if (
    owner.uid !== null && owner.gid !== null && (owner.uid !== own.uid || owner.gid !== own.gid)
  ) {
    try {
      Deno.chownSync(temporary, owner.uid, owner.gid);
    } catch (error) {
      throw new PiwardriveError(
        `Cannot replace "${path}" keeping its owner (uid ${owner.uid}, gid ${owner.gid}): ${
          errorMessage(error)
        }; run as that user or root, or remove the file first`,
        undefined,
        { cause: error },
      );
    }
  }
  // After chown, which clears set-id bits.
  if (owner.mode !== null) Deno.chmodSync(temporary, owner.mode & 0o7777);
}

function moveIntoPlace(
  temporary: string,
  plan: Extract<OutputPlan, { kind: "new" | "replace" }>,
): void {
  const { path, dest } = plan;
  const exists = () =>
    new PiwardriveError(`Output file "${path}" exists: use --force to replace it`);
  if (plan.kind === "new") {
    try {
      // A hard link never replaces: a file that appeared meanwhile is kept.
      Deno.linkSync(temporary, dest);
      return;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) throw exists();
      // No hard links on this file system (FAT on a USB stick): check, then rename.
      if (existsNow(dest)) throw exists();
    }
  }
  try {
    Deno.renameSync(temporary, dest);
  } catch (error) {
    throw cannotWrite(path, error);
  }
}

/**
 * Removes `dest.tmp-<pid>` files left by killed exports: regular files of exactly that name
 * whose lock nobody holds. Anything else, and any file it cannot judge, is left alone.
 */
export function removeLeftovers(dest: string): string[] {
  const folder = dirname(dest);
  const prefix = `${basename(dest)}.tmp-`;
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(folder)];
  } catch {
    return removed; // the write that follows says why the folder is unusable
  }
  for (const entry of entries) {
    if (!entry.name.startsWith(prefix) || !/^\d+$/.test(entry.name.slice(prefix.length))) continue;
    if (Number(entry.name.slice(prefix.length)) === Deno.pid || !entry.isFile) continue;
    const candidate = `${folder}/${entry.name}`;
    let file: Deno.FsFile | null = null;
    try {
      file = Deno.openSync(candidate, { read: true });
      if (!file.statSync().isFile || !file.tryLockSync(true)) continue;
      Deno.removeSync(candidate);
      removed.push(candidate);
    } catch {
      // Not ours to judge (no permission, no locks here): leave it.
    } finally {
      file?.close();
    }
  }
  return removed;
}

function cannotWrite(path: string, error: unknown): PiwardriveError {
  if (error instanceof PiwardriveError) return error;
  return new PiwardriveError(`Cannot write "${path}": ${osReason(error)}`, undefined, {
    cause: error,
  });
}

/**
 * The system's reason without Deno's `: open '…/x.tmp-1234'` tail: the message names the path
 * the user gave, not the temporary file.
 */
export function osReason(error: unknown): string {
  return errorMessage(error).replace(/: [a-z_]+ '[^']*'(?: -> '[^']*')?$/, "");
}

/**
 * Refuses a target that is the database or one of the files SQLite keeps beside it: replacing
 * the write-ahead log would lose what it holds as surely as replacing the database.
 */
function ensureNotTheDatabase(target: string, dbPath: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    if (!sameFile(target, dbPath + suffix)) continue;
    throw new UsageError(
      suffix === ""
        ? `Output "${target}" is the database itself: give another file`
        : `Output "${target}" is the database's "${suffix.slice(1)}" file: give another file`,
    );
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return Deno.realPathSync(a) === Deno.realPathSync(b);
  } catch {
    return false;
  }
}
