/**
 * `export` as a real process at the ends of shell plumbing: a reader that closes early, `-o
 * /dev/stdout`, a process substitution, and an export killed with SIGKILL half-way.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../src/errors.ts";
import { cli, MAIN, spawnCli, START_PERMISSIONS, tempDir } from "./helpers/cli.ts";
import { driveDb } from "./helpers/drive_db.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function reference(db: string, dir: string): Promise<string> {
  const result = await cli("--db", db, "export", "--format", "csv", "-o", `${dir}/ref.csv`);
  assert.equal(result.code, 0, result.stderr);
  return Deno.readTextFileSync(`${dir}/ref.csv`);
}

Deno.test("export | head: a reader that closes early ends the export with exit 0 and no message", async () => {
  using dir = tempDir();
  const db = await driveDb(dir.path, 20_000); // about 3 MB of CSV: far more than a pipe holds
  const child = spawnCli(["--db", db, "export", "--format", "csv"]);
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.getReader();
  const first = await reader.read(); // what `head -1` reads before it exits
  assert.ok(text(first.value!).startsWith("type,id,name,"));
  await reader.cancel();
  const status = await child.status;
  assert.deepEqual([status.code, await stderr], [ExitCode.ok, ""]);
});

Deno.test("export -o /dev/stdout (no --force needed) writes to standard output as it is", async () => {
  using dir = tempDir();
  const db = await driveDb(dir.path, 50);
  const expected = await reference(db, dir.path);
  const output = await spawnCli(["--db", db, "export", "--format", "csv", "-o", "/dev/stdout"])
    .output();
  assert.equal(output.code, 0, text(output.stderr));
  assert.equal(text(output.stdout), expected);
  assert.equal(
    text(output.stderr),
    'exported 50 rows as csv to "/dev/stdout"; 0 skipped without position, 0 inside exclusion zones\n',
  );
});

Deno.test("export -o >(gzip …): a process substitution (/dev/fd/N) is written through", async () => {
  using dir = tempDir();
  const db = await driveDb(dir.path, 50);
  const expected = await reference(db, dir.path);
  const out = `${dir.path}/drive.csv.gz`;
  // bash waits for the substitution ($!) so the file is complete when it exits.
  const script = `"$@" -o >(gzip > "$OUT"); code=$?; wait $!; exit $code`;
  const output = await new Deno.Command("bash", {
    args: ["-c", script, "bash", Deno.execPath(), "run", "--quiet", ...START_PERMISSIONS, MAIN]
      .concat(["--db", db, "export", "--format", "csv", "--quiet"]),
    env: { OUT: out },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.deepEqual([output.code, text(output.stderr), text(output.stdout)], [0, "", ""]);
  const gunzip = new Deno.Command("gzip", { args: ["-dc", out], stdout: "piped" }).outputSync();
  assert.equal(text(gunzip.stdout), expected);
});

Deno.test("an export killed with SIGKILL leaves X.tmp-PID; the next export to X removes it, and only it", async () => {
  using dir = tempDir();
  const db = await driveDb(dir.path, 200_000);
  const out = `${dir.path}/drive.csv`;
  const child = spawnCli(["--db", db, "export", "--format", "csv", "-o", out]);
  const leftover = `${out}.tmp-${child.pid}`;
  // Killed once it has written something: the temporary file exists and is not empty.
  const deadline = Date.now() + 20_000;
  while (!(safeSize(leftover) > 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill("SIGKILL");
  const status = await child.output();
  assert.equal(status.signal, "SIGKILL", "the export finished before it could be killed");
  assert.ok(safeSize(leftover) > 0, "the killed export left no temporary file");
  assert.throws(() => Deno.lstatSync(out), Deno.errors.NotFound);

  // What must survive: a live export's file (its lock held here), names that only look alike,
  // another target's leftover, and a folder of the leftover's name pattern.
  const live = Deno.openSync(`${out}.tmp-1`, { write: true, createNew: true });
  live.lockSync(true);
  const keep = [`${out}.tmp-1`, `${out}.tmp-12x`, `${out}.tmp-`, `${dir.path}/other.csv.tmp-7`];
  for (const path of keep.slice(1)) Deno.writeTextFileSync(path, "not ours to remove\n");
  Deno.mkdirSync(`${out}.tmp-8`);
  try {
    const again = await cli("--db", db, "export", "--format", "csv", "-o", out, "--quiet");
    assert.deepEqual([again.code, again.stderr], [0, ""]);
  } finally {
    live.close();
  }
  assert.throws(() => Deno.lstatSync(leftover), Deno.errors.NotFound);
  for (const path of keep) assert.ok(Deno.lstatSync(path).isFile, path);
  assert.ok(Deno.lstatSync(`${out}.tmp-8`).isDirectory);
  assert.ok(Deno.readTextFileSync(out).startsWith("type,id,name,"));
});

function safeSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}
