/** What every parser returns: the records it understood and one warning per line it did not. */
export interface ParseResult<T> {
  records: T[];
  /** Human-readable, one per odd line, e.g. `line 12: unknown field "foo"`. */
  warnings: string[];
}
