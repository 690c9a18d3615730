import assert from "node:assert/strict";
import { commandOf, networkHosts } from "./network.ts";

Deno.test("commandOf skips global options and their values", () => {
  assert.deepEqual(commandOf(["--db", "upload", "collect", "--once"]), {
    name: "collect",
    rest: ["--once"],
  });
  assert.deepEqual(commandOf(["--debug", "--migrations-dir", "m", "migrate", "--to", "2"]), {
    name: "migrate",
    rest: ["--to", "2"],
  });
  assert.deepEqual(commandOf(["--db=x.db", "upload"]), { name: "upload", rest: [] });
  assert.equal(commandOf(["--version"]), null);
  assert.equal(commandOf([]), null);
});

Deno.test("networkHosts: only a listed command gets hosts, and never on an error", () => {
  const commands = {
    upload: (rest: string[]) => rest.includes("--bad") ? [] : ["api.example:443"],
    broken: (): string[] => {
      throw new Error("bad URL");
    },
  };
  assert.deepEqual(networkHosts(["--db", "x", "upload"], commands), ["api.example:443"]);
  assert.equal(networkHosts(["upload", "--bad"], commands), null);
  assert.equal(networkHosts(["broken"], commands), null);
  assert.equal(networkHosts(["collect"], commands), null);
  assert.equal(networkHosts(["--db", "upload", "collect"], commands), null);
  assert.equal(networkHosts(["toString"], commands), null);
});
