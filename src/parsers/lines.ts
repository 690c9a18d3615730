/**
 * What the streaming parsers share: the `StreamParser` shape the stream collector drives, and the
 * one line splitter that turns chunks split anywhere into lines, dropping an endless line instead
 * of buffering it.
 */

/** Longer lines are skipped with a warning: real ones stay under a few hundred characters. */
export const MAX_LINE_CHARS = 65_536;

/** The warning of a line over `MAX_LINE_CHARS`, after its `line N: `. */
export const TOO_LONG = `longer than ${MAX_LINE_CHARS} characters, skipped`;

/**
 * An incremental parser: feed chunks as they arrive, split anywhere, then call `end()` once.
 * Callers may drain `warnings` (`splice(0)`).
 */
export interface StreamParser<T> {
  /** Records completed by this chunk. */
  push(chunk: string): T[];
  /** Records still held back by the last, unterminated line. */
  end(): T[];
  /** Every warning so far, `line N: …`. */
  readonly warnings: string[];
}

/**
 * Lines out of chunks. A line longer than `MAX_LINE_CHARS` is handed over as null, and stops being
 * buffered as soon as it is that long, so a stream without newlines cannot exhaust memory.
 *
 * @example
 * ```ts
 * const lines = new LineSplitter();
 * lines.push("one\ntw", (line) => console.log(line)); // "one"
 * lines.end((line) => console.log(line)); // "tw"
 * ```
 */
export class LineSplitter {
  #buffer = "";
  #overlong = false;

  /** Calls `onLine` for each line `chunk` completes (without its "\n"). */
  push(chunk: string, onLine: (line: string | null) => void): void {
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl !== -1; nl = chunk.indexOf("\n", start)) {
      const line = this.#overlong ? null : this.#buffer + chunk.slice(start, nl);
      this.#buffer = "";
      this.#overlong = false;
      onLine(line !== null && line.length > MAX_LINE_CHARS ? null : line);
      start = nl + 1;
    }
    if (start < chunk.length && !this.#overlong) {
      this.#buffer += chunk.slice(start);
      if (this.#buffer.length > MAX_LINE_CHARS) [this.#buffer, this.#overlong] = ["", true];
    }
  }

  /** Calls `onLine` for the last line when it had no "\n". */
  end(onLine: (line: string | null) => void): void {
    if (!this.#overlong && this.#buffer === "") return;
    const line = this.#overlong ? null : this.#buffer;
    [this.#buffer, this.#overlong] = ["", false];
    onLine(line);
  }
}

/**
 * A `StreamParser` that reads line by line: `onLine` turns each line (null for one over
 * `MAX_LINE_CHARS`) into records, and `flush` gives up what is still held when the stream ends.
 */
export function lineStreamParser<T>(
  warnings: string[],
  onLine: (line: string | null, out: T[]) => void,
  flush?: (out: T[]) => void,
): StreamParser<T> {
  const lines = new LineSplitter();
  return {
    warnings,
    push(chunk: string): T[] {
      const out: T[] = [];
      lines.push(chunk, (line) => onLine(line, out));
      return out;
    },
    end(): T[] {
      const out: T[] = [];
      lines.end((line) => onLine(line, out));
      flush?.(out);
      return out;
    },
  };
}
