/**
 * Stand-in `iw` executables: print a captured scan and reproduce iw's real failures with its
 * real exit codes (iw exits with the negative errno, so -1 → 255, -16 → 240, -19 → 237).
 */
import { fileURLToPath } from "node:url";

const CAPTURE = fileURLToPath(
  new URL("../fixtures/iw/iw-6.9-mixed-2g5g-scan.txt", import.meta.url),
);

export type FakeIwMode = "ok" | "not-permitted" | "busy-once" | "no-device";

/** Writes `dir/iw` behaving as `mode`; returns `dir` (put it first on PATH). */
export function writeFakeIw(dir: string, mode: FakeIwMode): string {
  const fail = (errno: number, text: string) =>
    `echo "command failed: ${text} (-${errno})" >&2; exit ${256 - errno}`;
  const body = {
    "ok": `cat "${CAPTURE}"`,
    "not-permitted": `if [ "$4" = dump ]; then cat "${CAPTURE}"; else ${
      fail(1, "Operation not permitted")
    }; fi`,
    "busy-once": `if [ ! -e "${dir}/.busy" ]; then touch "${dir}/.busy"; ${
      fail(16, "Device or resource busy")
    }; fi; cat "${CAPTURE}"`,
    "no-device": fail(19, "No such device"),
  }[mode];
  Deno.writeTextFileSync(
    `${dir}/iw`,
    `#!/bin/bash\n# stand-in for iw ${mode}\n[ "$1" = dev ] && [ "$3" = scan ] || { echo "usage" >&2; exit 1; }\n${body}\n`,
  );
  Deno.chmodSync(`${dir}/iw`, 0o755);
  return dir;
}
