import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { joinPath, parentDir } from "./paths.ts";

Deno.test("parentDir and joinPath agree with node:path on POSIX paths", () => {
  for (
    const p of [
      "a.db",
      "./a.db",
      "/a.db",
      "/var/lib/piwardrive/piwardrive.db",
      "dir/sub/",
      "/",
      "rel/x",
    ]
  ) {
    assert.equal(parentDir(p), dirname(p), p);
  }
  assert.equal(
    joinPath("/root/.local/share", "piwardrive", "piwardrive.db"),
    join("/root/.local/share", "piwardrive", "piwardrive.db"),
  );
  assert.equal(joinPath("/home/u/", "piwardrive"), join("/home/u/", "piwardrive"));
});
