/**
 * The `--to` URL of `piwardrive sync`: `postgres://user@host[:port]/database[?sslmode=…]`. Pure:
 * no I/O, so the network policy can compute the one host a sync may reach before it starts.
 */
import { UsageError } from "../errors.ts";

export const SSL_MODES = [
  "disable",
  "allow",
  "prefer",
  "require",
  "verify-ca",
  "verify-full",
] as const;
export type SslMode = typeof SSL_MODES[number];

/** Where to sync to. No password: passwords never travel in the URL. */
export interface SyncTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  sslMode: SslMode;
  /** `host:port/database`: names the server in messages and in the Pi's sync_state. */
  key: string;
}

export const DEFAULT_PORT = 5432;

/**
 * Parses a `--to` URL. A password in it is refused (it would land in shell history and `ps`);
 * the message never repeats the URL, so the password is not printed either.
 *
 * @example
 * ```ts
 * parseTarget("postgres://pi@db.example:6432/drives?sslmode=require").key; // "db.example:6432/drives"
 * ```
 */
export function parseTarget(text: string): SyncTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      "Invalid --to URL: expected postgres://user@host[:port]/database[?sslmode=…]",
    );
  }
  if (url.password !== "") {
    throw new UsageError(
      "The --to URL holds a password: remove it and put it in PGPASSWORD, a ~/.pgpass file " +
        "(or PGPASSFILE) or a file named by PIWARDRIVE_PG_PASSWORD_FILE (mode 0600)",
    );
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new UsageError(
      `Invalid --to URL scheme "${url.protocol}": expected postgres://user@host[:port]/database`,
    );
  }
  if (url.hostname === "") throw new UsageError("The --to URL names no host");
  const user = decodeURIComponent(url.username);
  if (user === "") {
    throw new UsageError("The --to URL names no user: write postgres://USER@host/database");
  }
  const port = url.port === "" ? DEFAULT_PORT : Number(url.port);
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || user;
  let sslMode: SslMode = "prefer";
  for (const [name, value] of url.searchParams) {
    if (name !== "sslmode") {
      throw new UsageError(`Unknown --to URL parameter "${name}": only sslmode is understood`);
    }
    if (!(SSL_MODES as readonly string[]).includes(value)) {
      throw new UsageError(`Invalid sslmode "${value}": use one of ${SSL_MODES.join(", ")}`);
    }
    sslMode = value as SslMode;
  }
  return { host: url.hostname, port, database, user, sslMode, key: `${url.host}/${database}` };
}

/**
 * The `host:port` a `sync` command line may reach (for the network policy): that of its
 * `--to` URL, default port 5432; none when there is no valid `--to`.
 *
 * @example
 * ```ts
 * syncHosts(["--to", "postgres://pi@127.0.0.1/x"]); // ["127.0.0.1:5432"]
 * ```
 */
export function syncHosts(args: string[]): string[] {
  let to: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") break;
    if (args[i] === "--to") to = args[++i];
    else if (args[i].startsWith("--to=")) to = args[i].slice("--to=".length);
  }
  if (to === undefined) return [];
  const target = parseTarget(to);
  return [`${target.host}:${target.port}`];
}
