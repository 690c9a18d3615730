/** What the migration lint reports, and what it reads. */

export type Severity = "error" | "warning";

/** One problem found in one migration file. */
export interface Finding {
  /** Stable kebab-case name of the check, e.g. `drop-column`; what `-- lint:ignore` names. */
  code: string;
  severity: Severity;
  /** The migration file's name, e.g. `0002_add_wifi_vendor.sql`. */
  file: string;
  /** 1-based line of the statement (or directive) at fault; 1 for the file as a whole. */
  line: number;
  message: string;
  /** What to do about it. */
  fix: string;
}

/** A finding accepted on purpose, by a `-- lint:ignore` line or a baseline entry. */
export interface AcceptedFinding extends Finding {
  acceptedBy: "ignore" | "baseline";
  reason: string;
}

/** The baseline beside the released migrations (`migrations/lint-baseline.json`). */
export interface LintBaseline {
  /** Released files and their checksum: every database that applied one has recorded it. */
  released: Record<string, string>;
  /** Findings on released files accepted on purpose, each with why. */
  accepted: { file: string; code: string; reason: string }[];
}

/** A migration file to lint. */
export interface LintFile {
  name: string;
  text: string;
}
