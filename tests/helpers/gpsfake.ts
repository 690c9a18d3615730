/**
 * Starts a real gpsd through `gpsfake` replaying an NMEA log, for integration tests.
 *
 * gpsfake (Python) forks gpsd, which drops privileges and outlives a gpsfake killed alone, so the
 * pair runs detached in its own session and process group. `stop()` sends gpsd SIGTERM, then
 * SIGKILLs gpsfake if it has not quit, then the whole group if anything is left, and checks by pid
 * that nothing runs. It also removes what gpsd leaves behind: the control socket (in a private
 * TMPDIR, as gpsd, no longer root, cannot delete it) and the SysV shared-memory segment.
 *
 * Note: gpsd only opens the fake device once a client watches, so sentences fed before the first
 * client connects are lost; with `-1` and no client of gpsfake's own, gpsd keeps running after the
 * replay until its 60 s timeout, announcing the end with `{"class":"DEVICE","activated":0}`.
 *
 * @module
 */

/** A running gpsfake + gpsd pair. */
export interface Gpsfake {
  /** TCP port gpsd listens on. */
  port: number;
  host: string;
  /** gpsfake's pid, which is also the process group id of gpsfake and its gpsd. */
  pid: number;
  /** Stops gpsd and gpsfake (see the module doc); rejects if a process survives. Idempotent. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const GRACE_MS = 1_000;
const POLL_MS = 20;
const STDERR_KEEP_CHARS = 8_192;

/**
 * Whether `gpsfake` and `gpsd` can be found (PATH, plus /usr/sbin where Debian puts gpsd and where
 * gpsfake looks too). Tests skip when false, except under `CI=true`, where they must fail.
 *
 * @example
 * ```ts
 * Deno.test({ name: "replay", ignore: !gpsfakeAvailable() && Deno.env.get("CI") !== "true", fn() {} });
 * ```
 */
export function gpsfakeAvailable(): boolean {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean), "/usr/sbin"];
  const found = (name: string) =>
    dirs.some((dir) => {
      try {
        return Deno.statSync(`${dir}/${name}`).isFile;
      } catch {
        return false;
      }
    });
  return found("gpsfake") && found("gpsd");
}

/**
 * Runs `gpsfake -1 -q -c <cycleS> -P <port> <nmeaPath>` and resolves once gpsd accepts TCP
 * connections on `host:port`; rejects after 10 s, or when gpsfake exits early, with its stderr.
 *
 * @example
 * ```ts
 * const gps = await startGpsfake("tests/fixtures/gpsd/drive.nmea", { cycleS: 0.02 });
 * try {
 *   // run `gpspipe -w ${gps.host}:${gps.port}` …
 * } finally {
 *   await gps.stop();
 * }
 * ```
 */
export async function startGpsfake(
  nmeaPath: string,
  opts: { cycleS?: number } = {},
): Promise<Gpsfake> {
  const cycleS = opts.cycleS ?? 0.05;
  if (!(cycleS >= 0 && cycleS <= 10)) throw new RangeError(`Invalid gpsfake cycle "${cycleS}"`);
  await Deno.stat(nmeaPath); // a missing log would otherwise surface as a vague gpsfake failure
  const port = freePort();
  const tmpDir = await Deno.makeTempDir({ prefix: "piwardrive-gpsfake-" });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("gpsfake", {
      args: ["-1", "-q", "-c", String(cycleS), "-P", String(port), nmeaPath],
      env: { TMPDIR: tmpDir },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      detached: true, // own session and process group, so stop() can signal gpsd too
    }).spawn();
  } catch (error) {
    await Deno.remove(tmpDir, { recursive: true });
    throw error;
  }
  const stderr = collectTail(child.stderr);
  let exited = false;
  child.status.finally(() => (exited = true));

  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stopGroup(child, () => exited, stderr.done, tmpDir, port));
  try {
    await waitForPort(port, () => exited, stderr.text);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return { port, host: HOST, pid: child.pid, stop };
}

/**
 * Pids among `pids` that still run (zombies count as gone: they only wait to be reaped).
 *
 * @example
 * ```ts
 * await livePids([Deno.pid]); // [Deno.pid]
 * ```
 */
export async function livePids(pids: number[]): Promise<number[]> {
  const wanted = new Set(pids);
  return (await processTable()).filter((p) => wanted.has(p.pid)).map((p) => p.pid);
}

/**
 * Live members of a process group, e.g. `{ pid, command: "gpsd" }`.
 *
 * @example
 * ```ts
 * const members = await processGroup(gps.pid); // gpsfake and gpsd
 * ```
 */
export async function processGroup(pgid: number): Promise<{ pid: number; command: string }[]> {
  return (await processTable()).filter((p) => p.pgid === pgid);
}

async function processTable(): Promise<{ pid: number; pgid: number; command: string }[]> {
  // `ps` rather than /proc: Deno refuses /proc reads without --allow-all.
  const out = await new Deno.Command("ps", { args: ["-e", "-o", "pid=,pgid=,stat=,comm="] })
    .output();
  if (!out.success) throw new Error(`Cannot list processes: ps exited with ${out.code}`);
  return new TextDecoder().decode(out.stdout).split("\n").flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    return m && !m[3].startsWith("Z") ? [{ pid: +m[1], pgid: +m[2], command: m[4].trim() }] : [];
  });
}

function freePort(): number {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

async function waitForPort(port: number, exited: () => boolean, stderr: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited()) {
      throw new Error(`Cannot start gpsfake: it exited before port ${port} opened: ${stderr()}`);
    }
    try {
      (await Deno.connect({ hostname: HOST, port })).close();
      return;
    } catch {
      await delay(POLL_MS);
    }
  }
  throw new Error(
    `Cannot start gpsfake: port ${port} not open after ${READY_TIMEOUT_MS} ms: ${stderr()}`,
  );
}

async function stopGroup(
  child: Deno.ChildProcess,
  exited: () => boolean,
  stderrDone: Promise<void>,
  tmpDir: string,
  port: number,
): Promise<void> {
  const pgid = child.pid;
  const members = (await processGroup(pgid)).map((p) => p.pid);
  const daemons = members.filter((pid) => pid !== pgid);
  // gpsd first: on SIGTERM it exits cleanly and gpsfake, polling it, reaps it and quits. gpsfake
  // never gets SIGTERM: its handler re-enters subprocess.poll() and can spin forever (strace).
  for (const pid of daemons) signal(pid, "SIGTERM");
  await waitUntilGone(daemons, STOP_TIMEOUT_MS);
  await waitUntil(exited, GRACE_MS);
  if (!exited()) child.kill("SIGKILL");
  let survivors = await waitUntilGone(members, STOP_TIMEOUT_MS);
  if (survivors.length) {
    signal(-pgid, "SIGKILL"); // negative pid: the whole process group
    survivors = await waitUntilGone(members, STOP_TIMEOUT_MS);
  }
  await child.status;
  await stderrDone;
  await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
  await removeShm(port);
  if (survivors.length) throw new Error(`Cannot stop gpsfake: pids ${survivors.join(", ")} live`);
}

/** gpsd leaves the SysV segment gpsfake keyed on the port (`0x4770` + port); runs would pile up. */
async function removeShm(port: number): Promise<void> {
  const key = "0x4770" + port.toString(16).toUpperCase().padStart(4, "0");
  await new Deno.Command("ipcrm", { args: ["-M", key], stdout: "null", stderr: "null" })
    .output()
    .catch(() => {}); // best effort: ipcrm may be missing, or gpsd may never have created it
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error; // already gone
  }
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await delay(POLL_MS);
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = await livePids(pids);
  while (left.length && Date.now() < deadline) {
    await delay(POLL_MS);
    left = await livePids(left);
  }
  return left;
}

/** Reads a stream to its end, keeping the last few kB (gpsd logs there too; never let it block). */
function collectTail(stream: ReadableStream<Uint8Array>): {
  text(): string;
  done: Promise<void>;
} {
  let tail = "";
  const done = (async () => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      tail = (tail + chunk).slice(-STDERR_KEEP_CHARS);
    }
  })().catch(() => {});
  return { text: () => JSON.stringify(tail.trim()), done };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
