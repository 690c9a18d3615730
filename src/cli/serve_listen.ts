/**
 * The listen address of `serve`, apart from the command: the entry point reads it (through
 * network.ts) before any command module is loaded, to grant the worker that one address.
 */
import { UsageError } from "../errors.ts";

export const DEFAULT_LISTEN = "127.0.0.1:8080";

/** `host:port` (IPv6 in brackets) as host and port; a usage error otherwise. */
export function parseListen(text: string): { host: string; port: number; address: string } {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new UsageError(
      `Invalid --listen ${
        JSON.stringify(text)
      }: give HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080`,
    );
  }
  return { host: match[1].replace(/^\[|\]$/g, ""), port, address: `${match[1]}:${port}` };
}

/** The hosts `serve` may use: its listen address only (network.ts). */
export function serveHosts(args: string[]): string[] {
  let listen = DEFAULT_LISTEN;
  args.forEach((a, i) => {
    if (a === "--listen" && i + 1 < args.length) listen = args[i + 1];
    else if (a.startsWith("--listen=")) listen = a.slice("--listen=".length);
  });
  return [parseListen(listen).address];
}
