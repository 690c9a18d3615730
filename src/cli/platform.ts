/**
 * The two ways a Raspberry Pi cannot run a Deno-compiled piwardrive, as one warning line each:
 * a build for another architecture than Deno's 64-bit ones, and a kernel with 16 KB memory pages
 * (the Pi 5's default), on which Deno-compiled binaries crash. `service` and `migrate`, the
 * commands of an installation, say so on stderr; neither is an error.
 */
import type { Io } from "./context.ts";

// Deno refuses every read under /proc and /sys without --allow-all (auxv's AT_PAGESZ, smaps'
// KernelPageSize), and `getconf` would need a new --allow-run: the kernel release, which the
// start task's --allow-sys gives, names the 16 KB builds instead.
/** Kernel releases built for 16 KB pages: the Pi 5's `…-rpi-2712`, and `…16k` builds elsewhere. */
const SIXTEEN_K_RELEASE = /-rpi-2712\b|[+-]16k\b/i;

/**
 * Whether the kernel `release` (`uname -r`) is a build with 16 KB memory pages.
 *
 * @example
 * ```ts
 * isSixteenKPageKernel("6.12.47+rpt-rpi-2712"); // true
 * isSixteenKPageKernel("6.12.47+rpt-rpi-v8"); // false: kernel8.img, 4 KB pages
 * ```
 */
export function isSixteenKPageKernel(release: string): boolean {
  return SIXTEEN_K_RELEASE.test(release);
}

/**
 * The warnings for a runtime of `arch` on a kernel with 16 KB pages or not, each one line
 * without the `piwardrive: ` prefix.
 *
 * @example
 * ```ts
 * platformWarnings("aarch64", true); // ["Warning: this kernel uses 16 KB memory pages …"]
 * ```
 */
export function platformWarnings(arch: string, sixteenKPages: boolean): string[] {
  const warnings: string[] = [];
  if (arch !== "aarch64" && arch !== "x86_64") {
    warnings.push(
      `Warning: Deno ships 64-bit builds only and this one is "${arch}": ` +
        "a Raspberry Pi needs the 64-bit Raspberry Pi OS (`uname -m` prints aarch64)",
    );
  }
  if (sixteenKPages) {
    warnings.push(
      "Warning: this kernel uses 16 KB memory pages and Deno-compiled binaries " +
        "crash on it: on a Pi 5 add kernel=kernel8.img to /boot/firmware/config.txt and reboot " +
        "(`getconf PAGESIZE` must print 4096)",
    );
  }
  return warnings;
}

/** Whether this kernel has 16 KB pages; false where its release cannot be read. */
function kernelHasSixteenKPages(): boolean {
  try {
    return isSixteenKPageKernel(Deno.osRelease());
  } catch {
    return false;
  }
}

/** Prints `platformWarnings` for this process on stderr. */
export function warnAboutPlatform(
  io: Io,
  arch: string = Deno.build.arch,
  sixteenKPages: () => boolean = kernelHasSixteenKPages,
): void {
  for (const warning of platformWarnings(arch, sixteenKPages())) io.err(`piwardrive: ${warning}`);
}
