/**
 * Long-lived tools read as streams (`bluetoothctl` with `scan on`, `gpspipe -w`): the child's
 * output goes through a streaming parser in the background and is drained once per tick. A child
 * that dies is restarted with exponential backoff; a missing tool is said once and left alone.
 * In a replay the same collector is fed recorded text instead of starting a child.
 */
import type { StreamParser } from "../parsers/lines.ts";

/** How a child is started and stopped. */
export interface StreamSource {
  command: string;
  args: string[];
  /** Lines written to stdin after start (stdin stays open while the child runs). */
  input?: string;
  /** Lines written to stdin to ask the child to finish before it is killed. */
  quitInput?: string;
}

const MAX_BACKOFF_MS = 60_000;
const STOP_GRACE_MS = 2_000;

/** Restart timing; tests shorten it. */
export interface RestartPolicy {
  /** Wait before the first restart, doubled after each failed one (up to a minute). */
  firstBackoffMs: number;
  /** A child that ran this long had recovered: backoff starts over and a later stop is said. */
  recoveredAfterMs: number;
}

const DEFAULT_RESTART: RestartPolicy = { firstBackoffMs: 1000, recoveredAfterMs: MAX_BACKOFF_MS };

/**
 * A long-lived tool's output as parsed items, drained once per tick: live, the child is started,
 * restarted with backoff when it dies and stopped at the end; in a replay (`source` null), text is
 * fed instead. The parser's warnings come with the items, prefixed with the collector's name.
 *
 * @example
 * ```ts
 * const gps = new StreamCollector("gpspipe", { command: "gpspipe", args: ["-w"] }, createGpspipeStreamParser());
 * gps.start();
 * const { items, warnings } = gps.drain(); // each tick
 * await gps.stop();
 * ```
 */
export class StreamCollector<T> {
  readonly #name: string;
  readonly #source: StreamSource | null;
  readonly #parser: StreamParser<T>;
  #items: T[] = [];
  #warnings: string[] = [];
  #child: Deno.ChildProcess | null = null;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #stopping = false;
  readonly #restart: RestartPolicy;
  #backoffMs: number;
  #restartTimer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<void> | null = null;
  #missing = false;
  #parserWarningsSeen = 0;
  readonly #said = new Set<string>();

  /** `source` null: a replay, fed with `feed()`. */
  constructor(
    name: string,
    source: StreamSource | null,
    parser: StreamParser<T>,
    restart: RestartPolicy = DEFAULT_RESTART,
  ) {
    this.#name = name;
    this.#source = source;
    this.#parser = parser;
    this.#restart = restart;
    this.#backoffMs = restart.firstBackoffMs;
  }

  /** False once the tool turned out not to be installed or not allowed. */
  get available(): boolean {
    return !this.#missing;
  }

  /** Starts the child (live mode). */
  start(): void {
    if (!this.#source || this.#stopping) return;
    this.#running = this.#run(this.#source);
  }

  /** Replay: text the tool printed during this tick. */
  feed(text: string): void {
    this.#items.push(...this.#parser.push(text));
  }

  /** What arrived since the last drain. */
  drain(): { items: T[]; warnings: string[] } {
    const items = this.#items;
    this.#items = [];
    const fresh = this.#parser.warnings.slice(this.#parserWarningsSeen);
    this.#parserWarningsSeen = this.#parser.warnings.length;
    const warnings = [...this.#warnings, ...fresh.slice(0, 3).map((w) => `${this.#name}: ${w}`)];
    this.#warnings = [];
    return { items, warnings };
  }

  /** Asks the child to quit, kills it after a grace period, and keeps what it printed. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (child) {
      const grace = setTimeout(() => kill(child, "SIGKILL"), STOP_GRACE_MS);
      if (this.#source?.quitInput && this.#stdin) {
        await this.#stdin.write(new TextEncoder().encode(this.#source.quitInput)).catch(() => {});
        await this.#stdin.close().catch(() => {});
      } else {
        kill(child, "SIGTERM");
      }
      await this.#running?.catch(() => {});
      clearTimeout(grace);
    }
    this.#items.push(...this.#parser.end());
  }

  async #run(source: StreamSource): Promise<void> {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(source.command, {
        args: source.args,
        stdin: source.input || source.quitInput ? "piped" : "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      this.#missing = true;
      this.#say(
        "missing",
        error instanceof Deno.errors.NotFound
          ? `${this.#name}: ${source.command} is not installed; ${this.#name} is not collected`
          : `${this.#name}: cannot run ${source.command}: ${(error as Error).message}`,
      );
      return;
    }
    this.#child = child;
    const started = Date.now();
    if (source.input || source.quitInput) {
      this.#stdin = child.stdin.getWriter();
      if (source.input) {
        await this.#stdin.write(new TextEncoder().encode(source.input)).catch(() => {});
      }
    }
    const stderr = new Response(child.stderr).text();
    const decoder = new TextDecoder();
    try {
      for await (const chunk of child.stdout) {
        this.#items.push(...this.#parser.push(decoder.decode(chunk, { stream: true })));
      }
    } catch { /* the child was killed mid-read */ }
    const status = await child.status;
    const errorText = (await stderr.catch(() => "")).trim().split("\n")[0];
    this.#child = null;
    this.#stdin = null;
    if (this.#stopping) return;
    // A child that ran for a good while had recovered: fresh backoff, and a new stop is news.
    if (Date.now() - started > this.#restart.recoveredAfterMs) {
      this.#backoffMs = this.#restart.firstBackoffMs;
      this.#said.delete(STOPPED);
    }
    // Keyed without the reason: bluetoothctl's reason carries its pid ("dbus[4711]: …"), so a
    // key per reason would repeat the warning on every restart.
    this.#say(
      STOPPED,
      `${this.#name}: ${source.command} stopped (exit ${status.code}${
        errorText ? `: ${errorText}` : ""
      }); restarting in ${this.#backoffMs / 1000} s`,
    );
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (!this.#stopping) this.#running = this.#run(source);
    }, this.#backoffMs);
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
  }

  #say(key: string, message: string): void {
    if (this.#said.has(key)) return;
    this.#said.add(key);
    this.#warnings.push(message);
  }
}

const STOPPED = "stopped";

function kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch { /* already gone */ }
}
