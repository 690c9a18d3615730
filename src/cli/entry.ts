/**
 * The process's entry: the network policy first (see network.ts), then the command. Kept apart
 * from `main()`, which tests call in-process and which must not take their permissions away.
 */
import { main } from "./mod.ts";
import {
  isWorker,
  networkHosts,
  revokeNetwork,
  runInNetworkWorker,
  serveWorkerRequest,
} from "./network.ts";

/**
 * Runs the program for `args` and returns its exit code; `module` is the entry module, which a
 * network command's worker runs again. In that worker, serves the request and returns null.
 *
 * @example
 * ```ts
 * const code = await enter(Deno.args, import.meta.url);
 * if (code !== null) Deno.exit(code);
 * ```
 */
export async function enter(args: string[], module: string | URL): Promise<number | null> {
  if (isWorker()) {
    serveWorkerRequest((request) => main(request));
    return null;
  }
  const hosts = networkHosts(args);
  if (hosts) return await runInNetworkWorker(module, args, hosts);
  revokeNetwork();
  return await main(args);
}
