/**
 * Who may use the network. The binary carries the net permission only for the few commands that
 * need it, listed in {@link NETWORK_COMMANDS}. Every other command gives the permission up before
 * it does anything (collect and migrate never hold it). A network command runs in a worker whose
 * permission names only the hosts that command needs, and the main thread gives up its own; so
 * even a network command cannot reach an address it did not name.
 *
 * Deno cannot narrow a granted permission in place (revoking one host of a global grant changes
 * nothing); a worker's permissions can be any subset of its parent's, hence the worker.
 */
import { uploadHosts } from "../upload/hosts.ts";

import { syncHosts } from "../sync/target.ts";
import { serveHosts } from "./serve_listen.ts";

/** The hosts (`host[:port]`) a network command needs, from its arguments and the environment. */
export type HostsOf = (commandArgs: string[]) => string[];

/** Network commands by name. A command absent here runs with no network at all. */
export const NETWORK_COMMANDS: Record<string, HostsOf> = {
  upload: uploadHosts,
  sync: syncHosts,
  serve: serveHosts,
};

/** Global options that take a value, so that the command name can be found without commander. */
const GLOBAL_WITH_VALUE = new Set(["--db", "--migrations-dir"]);

/**
 * The command `args` name (the first word that is not a global option) and what follows it, or
 * null when there is none (`--help`, `--version`).
 *
 * @example
 * ```ts
 * commandOf(["--db", "x.db", "upload", "--dry-run"]); // { name: "upload", rest: ["--dry-run"] }
 * ```
 */
export function commandOf(args: string[]): { name: string; rest: string[] } | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (GLOBAL_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith("-")) return { name: arg, rest: args.slice(i + 1) };
  }
  return null;
}

/**
 * The hosts the command in `args` may reach, or null when it may reach none. A usage mistake in
 * the hosts' options is left to the command to report: it then gets no network.
 */
export function networkHosts(
  args: string[],
  commands: Record<string, HostsOf> = NETWORK_COMMANDS,
): string[] | null {
  const command = commandOf(args);
  const hostsOf = command && Object.hasOwn(commands, command.name) ? commands[command.name] : null;
  if (!hostsOf) return null;
  try {
    const hosts = hostsOf(command!.rest);
    return hosts.length > 0 ? hosts : null;
  } catch {
    return null;
  }
}

/** Gives up the net permission of this thread (and, in the main thread, of the process). */
export function revokeNetwork(): void {
  Deno.permissions.revokeSync({ name: "net" });
}

/** True inside a worker started by {@link runInNetworkWorker}. */
export function isWorker(): boolean {
  // deno-lint-ignore no-explicit-any
  const scope = (globalThis as any).WorkerGlobalScope;
  return typeof scope === "function" && globalThis instanceof scope;
}

/** What the main thread sends the worker, and what the worker answers. */
export interface WorkerRequest {
  args: string[];
}
export interface WorkerReply {
  code: number;
}

/**
 * Runs `args` in a worker of `module` (the program's own entry point) whose only network
 * permission is `hosts`, gives up this thread's, and resolves to the worker's exit code. The
 * worker may read, write, use the environment and the system like the program, and run nothing.
 */
export function runInNetworkWorker(
  module: string | URL,
  args: string[],
  hosts: string[],
): Promise<number> {
  const worker = new Worker(module, {
    type: "module",
    deno: {
      permissions: {
        net: hosts,
        read: "inherit",
        write: "inherit",
        env: "inherit",
        sys: "inherit",
        run: false,
        ffi: false,
        import: "inherit",
      },
    },
  });
  revokeNetwork();
  return new Promise((resolve) => {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      worker.terminate();
      resolve(event.data.code);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      console.error(`piwardrive: unexpected error: ${event.message}`);
      resolve(1);
    };
    worker.postMessage({ args } satisfies WorkerRequest);
  });
}

/** Inside the worker: runs the one request with `run` and answers with its exit code. */
export function serveWorkerRequest(run: (args: string[]) => Promise<number>): void {
  // deno-lint-ignore no-explicit-any
  const scope = globalThis as any;
  scope.onmessage = async (event: MessageEvent<WorkerRequest>) => {
    const code = await run(event.data.args);
    scope.postMessage({ code } satisfies WorkerReply);
  };
}
