/** What a folder holds, to prove a command removed or replaced nothing it was not asked to. */

/** One entry as lstat sees it: replacing a file changes its inode, rewriting it its mtime or size. */
export interface EntryFacts {
  kind: string;
  ino: number | null;
  size: number;
  mtimeMs: number | null;
  mode: number;
  uid: number | null;
  target?: string;
}

/** Every entry of `dir` by name (not recursive), sorted. */
export function snapshotDir(dir: string): Record<string, EntryFacts> {
  const facts: Record<string, EntryFacts> = {};
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  for (const name of names) {
    const info = Deno.lstatSync(`${dir}/${name}`);
    facts[name] = {
      kind: info.isSymlink
        ? "symlink"
        : info.isDirectory
        ? "folder"
        : info.isFile
        ? "file"
        : info.isFifo
        ? "fifo"
        : info.isCharDevice
        ? "chardev"
        : "other",
      ino: info.ino,
      size: info.isFile ? info.size : 0,
      mtimeMs: info.isFile ? info.mtime?.getTime() ?? null : null,
      mode: info.mode! & 0o7777,
      uid: info.uid,
      ...(info.isSymlink ? { target: Deno.readLinkSync(`${dir}/${name}`) } : {}),
    };
  }
  return facts;
}

/** Names of `dir`, sorted. */
export function namesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

/** Runs `mkfifo`/`mknod` (argument arrays); throws with its stderr on failure. */
export function makeNode(args: string[]): void {
  const [command, ...rest] = args;
  const output = new Deno.Command(command, { args: rest, stderr: "piped" }).outputSync();
  if (!output.success) {
    throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
}
