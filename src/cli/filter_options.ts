/** The filters `export` and `report` share: the same flag, the same help, the same refusal. */
import { Option } from "@commander-js/extra-typings";
import { UsageError } from "../errors.ts";
import { type ExclusionZone, parseExclusionZone } from "../export/mod.ts";
import { asOption } from "./options.ts";

const exclusionOption = asOption(parseExclusionZone);

/** `--exclude lat,lon,radius_m`, repeatable. */
export function excludeOption() {
  return new Option(
    "--exclude <lat,lon,radius_m>",
    "leave out everything within radius_m metres of lat,lon (repeatable)",
  ).argParser((text, previous: ExclusionZone[]) => [...previous, exclusionOption(text)])
    .default([] as ExclusionZone[], "none");
}

/** Refuses `--since` at or after `--until`; `outcome` says what would be empty ("export", "show"). */
export function ensureSinceBeforeUntil(
  options: { since?: string; until?: string },
  outcome: string,
): void {
  if (options.since && options.until && options.since >= options.until) {
    throw new UsageError(
      `--since ${options.since} is not before --until ${options.until}: nothing to ${outcome}`,
    );
  }
}
