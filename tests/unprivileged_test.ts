/**
 * Nothing in the program needs root: `collect --demo`, `migrate --verify` and `export` run as
 * `nobody` (`setpriv --reuid=nobody --regid=nogroup --clear-groups`, no capabilities left) against
 * a database in a folder that `nobody` owns, with a HOME it cannot write. Root's Deno cache is not
 * readable by `nobody`, so what runs is the single-file bundle (`deno bundle`, as `deno task
 * bundle` builds it) with the start task's permissions and its own empty DENO_DIR, offline.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cliProcess, MAIN, START_PERMISSIONS } from "./helpers/cli.ts";
import { onPath } from "./helpers/path.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const AS_NOBODY = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"];

// Switching to another uid needs root; CI runs as root and must not skip.
const ignore = !(Deno.uid() === 0 && onPath("setpriv")) && Deno.env.get("CI") !== "true";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], options: Deno.CommandOptions = {}): Promise<Run> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...options })
    .output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

async function idOf(flag: "-u" | "-g", name: string): Promise<number> {
  const result = await run("id", [flag, name]);
  assert.equal(result.code, 0, result.stderr);
  return Number(result.stdout.trim());
}

Deno.test({
  name: "unprivileged: collect --demo, migrate --verify and export run as nobody",
  ignore,
  async fn() {
    const uid = await idOf("-u", "nobody");
    const gid = Number((await run("getent", ["group", "nogroup"])).stdout.split(":")[2]);
    assert.ok(uid > 0 && gid > 0, `nobody is ${uid}:${gid}`);

    // base (root, 0755): the bundle (read-only to nobody), home (root, 0755: nobody cannot write),
    // work (nobody, 0700): the database, the export and nobody's own DENO_DIR.
    const base = await Deno.makeTempDir({ prefix: "piwardrive-nobody-" });
    try {
      await Deno.chmod(base, 0o755);
      const home = `${base}/home`;
      const work = `${base}/work`;
      const rootOwned = `${base}/root-owned`;
      for (const dir of [home, work, rootOwned]) await Deno.mkdir(dir, { mode: 0o755 });
      await Deno.chown(work, uid, gid);
      await Deno.chmod(work, 0o700);

      const bundle = `${base}/piwardrive.js`;
      const built = await run(Deno.execPath(), [
        "bundle",
        "--quiet",
        "--platform",
        "deno",
        "--config",
        `${ROOT}/deno.json`,
        "--output",
        bundle,
        MAIN,
      ], { env: { NO_COLOR: "1" } });
      assert.equal(built.code, 0, built.stderr);
      await Deno.chmod(bundle, 0o644);

      const asNobody = (...args: string[]) =>
        run("setpriv", [
          ...AS_NOBODY,
          Deno.execPath(),
          "run",
          "--quiet",
          "--no-config",
          "--no-lock",
          "--no-remote",
          "--no-npm",
          "--cached-only",
          ...START_PERMISSIONS,
          bundle,
          ...args,
        ], {
          cwd: work,
          clearEnv: true,
          env: {
            PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
            HOME: home,
            DENO_DIR: `${work}/deno_dir`,
            NO_COLOR: "1",
          },
        });

      // The uid switch is real: nobody cannot create a database in root's folder.
      const refused = await asNobody("--db", `${rootOwned}/p.db`, "collect", "--demo", "--quiet");
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /^piwardrive: .*root-owned/);
      assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);

      const db = `${work}/p.db`;
      const collect = await asNobody("--db", db, "collect", "--demo", "--quiet");
      assert.equal(collect.code, 0, collect.stderr);
      assert.equal(collect.stderr, "");
      assert.equal((await Deno.stat(db)).uid, uid, "the database belongs to nobody");

      const verify = await asNobody("--db", db, "migrate", "--verify");
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /Verification passed/);

      const csv = `${work}/drive.csv`;
      const exported = await asNobody("--db", db, "export", "--format", "wigle", "-o", csv);
      assert.equal(exported.code, 0, exported.stderr);
      assert.equal((await Deno.stat(csv)).uid, uid, "the export belongs to nobody");
      assert.match(await Deno.readTextFile(csv), /^WigleWifi-1\.6,/);

      const check = new DatabaseSync(db, { readOnly: true });
      try {
        const count = (sql: string) => (check.prepare(sql).get() as { n: number }).n;
        const networks = count("SELECT count(*) AS n FROM wifi_networks");
        assert.ok(networks > 0, "collect --demo stored networks");
        assert.ok(count("SELECT count(*) AS n FROM bluetooth_devices") > 0);
        assert.ok(count("SELECT count(*) AS n FROM gps_track") > 0);
      } finally {
        check.close();
      }
      // The same export as root, from the source: the same bytes.
      const rootCsv = `${rootOwned}/drive.csv`;
      const byRoot = await cliProcess(["--db", db, "export", "--format", "wigle", "-o", rootCsv]);
      assert.equal(byRoot.code, 0, byRoot.stderr);
      assert.equal(await Deno.readTextFile(csv), await Deno.readTextFile(rootCsv));
      assert.deepEqual([...Deno.readDirSync(home)], [], "nothing was written to HOME");
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
});
