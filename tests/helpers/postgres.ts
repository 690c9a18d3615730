/**
 * A private PostgreSQL 15 + PostGIS cluster for tests: `initdb` into a temporary folder, started
 * with `pg_ctl` on a free loopback port (never the system service), a throw-away superuser `pw`,
 * and stopped (immediate) by its disposer. As root, the server runs as the `postgres` user, so
 * the folder is made reachable by it (mode 0755). One cluster per test file; each test makes its
 * own database with {@link PgCluster.createDatabase}.
 */

const BIN = "/usr/lib/postgresql/15/bin";
export const PG_USER = "pw";

/** A started cluster. */
export interface PgCluster {
  port: number;
  dir: string;
  /** `postgres://pw@127.0.0.1:PORT/NAME` (no password: the test cluster trusts loopback). */
  url(database: string, query?: string): string;
  /** Creates `name` with PostGIS available; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL with psql in `database`; returns the unaligned, tuples-only output. */
  psql(database: string, sql: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Kills the server (SIGKILL to the postmaster) and removes the folder, synchronously. */
  killSync(): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Whether PostgreSQL 15 and PostGIS are installed here. */
export function postgresAvailable(): boolean {
  try {
    Deno.statSync(`${BIN}/initdb`);
    Deno.statSync("/usr/share/postgresql/15/extension/postgis.control");
    return true;
  } catch {
    return false;
  }
}

/** A loopback port nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function run(cmd: string, args: string[], asPostgres: boolean): Promise<string> {
  const root = Deno.uid() === 0;
  const [exe, argv] = asPostgres && root
    ? ["runuser", ["-u", "postgres", "--", cmd, ...args]]
    : [cmd, args];
  const output = await new Deno.Command(exe, {
    args: argv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return text;
}

/**
 * Starts a cluster. `options.password` sets the superuser's password and makes the server ask
 * for it (scram-sha-256) on loopback TCP.
 */
export async function startPostgres(options: { password?: string } = {}): Promise<PgCluster> {
  const dir = Deno.makeTempDirSync({ prefix: "piwardrive-pg-" });
  try {
    return await startIn(dir, options);
  } catch (error) {
    // A cluster that did not start leaves nothing behind (a half-started one is stopped first).
    await run(`${BIN}/pg_ctl`, ["-D", `${dir}/data`, "-m", "immediate", "stop"], true)
      .catch(() => {});
    Deno.removeSync(dir, { recursive: true });
    throw error;
  }
}

async function startIn(dir: string, options: { password?: string }): Promise<PgCluster> {
  Deno.chmodSync(dir, 0o755);
  const data = `${dir}/data`;
  const socketDir = `${dir}/run`;
  Deno.mkdirSync(data, { mode: 0o700 });
  Deno.mkdirSync(socketDir, { mode: 0o755 });
  if (Deno.uid() === 0) {
    const uid = Number(await run("id", ["-u", "postgres"], false));
    const gid = Number(await run("id", ["-g", "postgres"], false));
    Deno.chownSync(data, uid, gid);
    Deno.chownSync(socketDir, uid, gid);
  }
  const port = freePort();
  const initArgs = ["-D", data, "-A", "trust", "-U", PG_USER, "--no-sync"];
  if (options.password !== undefined) {
    // initdb (as postgres) reads it; removed once the cluster is made.
    Deno.writeTextFileSync(`${dir}/pwfile`, options.password + "\n", { mode: 0o644 });
    initArgs.push(`--pwfile=${dir}/pwfile`, "--auth-host=scram-sha-256", "--auth-local=trust");
  }
  await run(`${BIN}/initdb`, initArgs, true);
  if (options.password !== undefined) Deno.removeSync(`${dir}/pwfile`);
  const pgCtl = (verb: string[]) => run(`${BIN}/pg_ctl`, ["-D", data, ...verb], true);
  const start = () =>
    pgCtl([
      "-o",
      `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-l",
      `${socketDir}/log`,
      "-w",
      "start",
    ]).then(() => {});
  await start();
  const psql = (database: string, sql: string) =>
    run(
      "psql",
      [
        "-h",
        socketDir,
        "-p",
        String(port),
        "-U",
        PG_USER,
        "-d",
        database,
        "-XAtq",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        sql,
      ],
      false,
    ).then((s) => s.trim());
  let stopped = false;
  const cluster: PgCluster = {
    port,
    dir,
    url: (database, query) =>
      `postgres://${PG_USER}@127.0.0.1:${port}/${database}${query ? `?${query}` : ""}`,
    async createDatabase(name) {
      await psql("postgres", `CREATE DATABASE ${name}`);
      return cluster.url(name);
    },
    psql,
    async stop() {
      await pgCtl(["-m", "immediate", "stop"]);
    },
    start,
    killSync() {
      if (stopped) return;
      stopped = true;
      try {
        const pid = Number(Deno.readTextFileSync(`${data}/postmaster.pid`).split("\n")[0]);
        if (pid > 0) Deno.kill(pid, "SIGKILL");
      } catch { /* not running */ }
      Deno.removeSync(dir, { recursive: true });
    },
    async [Symbol.asyncDispose]() {
      if (!stopped) {
        stopped = true;
        await pgCtl(["-m", "immediate", "stop"]).catch(() => {});
      }
      Deno.removeSync(dir, { recursive: true });
    },
  };
  return cluster;
}
