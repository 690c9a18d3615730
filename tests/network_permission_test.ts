/**
 * The network policy as a process lives it: with the net permission granted at start (as a binary
 * carrying it would have), collect and migrate give it up before they run, and a network
 * command's worker reaches only the hosts it names while the main thread reaches none.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { START_PERMISSIONS, tempDir } from "./helpers/cli.ts";

const PROBE = fileURLToPath(new URL("./fixtures/network/probe.ts", import.meta.url));

/** A loopback listener that accepts and closes connections until disposed. */
function listener(): { port: number; [Symbol.asyncDispose](): Promise<void> } {
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    for await (const connection of server) connection.close();
  })().catch(() => {});
  return {
    port: (server.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose]() {
      server.close();
      await accepting;
    },
  };
}

async function probe(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...START_PERMISSIONS, // they carry --allow-net and --unstable-worker-options
      PROBE,
      ...args,
    ],
    env,
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  return new TextDecoder().decode(output.stdout);
}

for (
  const [name, args, code] of [
    ["collect", ["collect", "--demo", "--once", "--quiet"], 0],
    ["migrate", ["migrate"], 0],
    ["migrate --verify", ["migrate", "--verify"], 3], // of a database that does not exist
  ] as const
) {
  Deno.test(`${name} gives up the network before it runs: a socket is refused after it`, async () => {
    await using server = listener();
    using dir = tempDir();
    const stdout = await probe(["--db", `${dir.path}/p.db`, ...args], {
      PROBE_PORT: String(server.port),
    });
    const lines = stdout.trim().split("\n");
    assert.equal(lines[0], "before: connected"); // the permission was there to give up
    assert.equal(lines.at(-1), `after (exit ${code}): NotCapable`);
  });
}

Deno.test("a network command's worker reaches only its hosts; the main thread none", async () => {
  await using allowed = listener();
  await using other = listener();
  const stdout = await probe(["--worker", String(allowed.port), String(other.port)]);
  assert.equal(
    stdout,
    `worker ${allowed.port}: connected\nworker ${other.port}: NotCapable\n` +
      "main after the worker: NotCapable\n",
  );
});
