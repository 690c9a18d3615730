/**
 * `piwardrive serve`: the live view, a process of its own reading the database read-only while
 * `collect` writes it (collect's loop, memory and permissions stay exactly as they are). One
 * page (the report's, in live mode) and one Server-Sent Events stream per page, which pushes the
 * rows added since its last push. Loopback needs no token; any other address requires one, read
 * from a file only its owner can read, compared in constant time and never printed.
 */
import { Command } from "@commander-js/extra-typings";
import { createHash, timingSafeEqual } from "node:crypto";
import { openDatabase } from "../db/open.ts";
import { PiwardriveError, UsageError } from "../errors.ts";
import { contentSecurityPolicy, ensureReportSchema, LiveFeed, reportPage } from "../report/mod.ts";
import { type GlobalOptions, type Io, resolveDbPath } from "./context.ts";
import { DEFAULT_LISTEN, parseListen } from "./serve_listen.ts";

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The token in `path`, refused unless the file is the user's own and no one else may read it. */
export function readTokenFile(path: string): string {
  let info: Deno.FileInfo;
  let text: string;
  try {
    info = Deno.statSync(path);
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new UsageError(`Cannot read token file "${path}": ${(error as Error).message}`);
  }
  const mode = (info.mode ?? 0) & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new UsageError(
      `Token file "${path}" has mode ${
        mode.toString(8).padStart(4, "0")
      }: make it readable by its owner only (chmod 600)`,
    );
  }
  const uid = Deno.uid();
  if (uid !== null && info.uid !== uid) {
    throw new UsageError(`Token file "${path}" belongs to another user: use a file of your own`);
  }
  const token = text.trim();
  if (token.length < 16) {
    throw new UsageError(
      `Token file "${path}" holds fewer than 16 characters: write a longer token`,
    );
  }
  return token;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Whether `given` is `token`, in time that does not depend on where they differ. */
export function tokenMatches(token: string, given: string | null): boolean {
  return given !== null && timingSafeEqual(digest(token), digest(given));
}

/** The `serve` command. `onListen` tells tests the port. */
export function serveCommand(io: Io, globals: () => GlobalOptions) {
  return new Command("serve")
    .description("Serve a read-only live view of the database (map, counters) while collect runs")
    .option(
      "--listen <host:port>",
      "address to listen on (not loopback: needs --token-file)",
      DEFAULT_LISTEN,
    )
    .option("--token-file <file>", "file (mode 0600) holding the token a viewer must give")
    .option("--interval <seconds>", "seconds between pushes", "1")
    .action(async (options) => {
      const listen = parseListen(options.listen);
      const interval = Number(options.interval);
      if (!(interval >= 0.1 && interval <= 3600)) {
        throw new UsageError(
          `Invalid --interval ${JSON.stringify(options.interval)}: give seconds from 0.1 to 3600`,
        );
      }
      const token = options.tokenFile === undefined ? null : readTokenFile(options.tokenFile);
      if (token === null && !isLoopback(listen.host)) {
        throw new UsageError(
          `Listening on ${listen.address} needs --token-file FILE: only loopback is served without a token`,
        );
      }
      const dbPath = resolveDbPath(globals());
      const db = openDatabase(dbPath, { readOnly: true });
      try {
        ensureReportSchema(db, dbPath);
      } catch (error) {
        db.close();
        throw error;
      }
      const page = [...reportPage(
        { title: "piwardrive live", live: { events: "events" } },
        [],
        [],
        () => EMPTY_FIGURES,
      )].join("");
      const stop = new AbortController();
      const streams = new Set<() => void>();
      const headers = {
        "content-security-policy": contentSecurityPolicy("'self'"),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
      };
      const handler = (request: Request): Response => {
        const url = new URL(request.url);
        if (token !== null) {
          const bearer = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
          if (!tokenMatches(token, bearer ?? url.searchParams.get("token"))) {
            return new Response("token required\n", { status: 401, headers });
          }
        }
        if (request.method !== "GET") return new Response("read-only\n", { status: 405, headers });
        if (url.pathname === "/") {
          return new Response(page, {
            headers: { ...headers, "content-type": "text/html; charset=utf-8" },
          });
        }
        if (url.pathname === "/events") return events(db, interval, stop.signal, streams, headers);
        return new Response("not found\n", { status: 404, headers });
      };
      const server = Deno.serve({
        hostname: listen.host,
        port: listen.port,
        signal: stop.signal,
        onListen: ({ port }) =>
          io.err(`serving ${dbPath} on http://${listen.address.replace(/:\d+$/, `:${port}`)}/`),
      }, handler);
      const onSignal = () => {
        for (const close of streams) close();
        stop.abort();
      };
      const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
      for (const s of signals) Deno.addSignalListener(s, onSignal);
      try {
        await server.finished;
      } catch (error) {
        throw new PiwardriveError(`Cannot serve on ${listen.address}: ${(error as Error).message}`);
      } finally {
        for (const s of signals) Deno.removeSignalListener(s, onSignal);
        db.close();
      }
      io.err("serve stopped");
    });
}

/** One page's event stream: a push per interval, of the rows added since the last. */
function events(
  db: ReturnType<typeof openDatabase>,
  intervalS: number,
  signal: AbortSignal,
  streams: Set<() => void>,
  headers: Record<string, string>,
): Response {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let close = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const feed = new LiveFeed(db, Math.max(10_000, 5 * intervalS * 1000));
      const push = () => {
        if (signal.aborted) return;
        const tick = feed.next();
        controller.enqueue(encoder.encode(`event: tick\ndata: ${JSON.stringify(tick)}\n\n`));
        // Catching up on a long drive: the next batch at once, not an interval later.
        timer = setTimeout(push, tick.catchingUp ? 0 : intervalS * 1000);
      };
      close = () => {
        clearTimeout(timer);
        streams.delete(close);
        try {
          controller.close();
        } catch {
          // Already closed by the page going away.
        }
      };
      streams.add(close);
      push();
    },
    cancel() {
      clearTimeout(timer);
      streams.delete(close);
    },
  });
  return new Response(body, {
    headers: { ...headers, "content-type": "text/event-stream", "x-accel-buffering": "no" },
  });
}

const EMPTY_FIGURES = {
  summary: {
    from: null,
    to: null,
    durationS: 0,
    distanceM: 0,
    networks: 0,
    networksNew: 0,
    devices: 0,
    gpsReports: 0,
    gpsFixes: 0,
    noPosition: 0,
    excluded: 0,
  },
  channels: { "2.4 GHz": [], "5 GHz": [], "6 GHz": [] },
  encryption: [],
  signal: [],
  newPerMinute: [],
  bluetoothClasses: [],
  vendors: [],
  health: [],
};
