/**
 * The export's byte buffer: text chunks encoded into one reused block and written to stdout or
 * the output file when it fills. A reader that went away (`| head`) is `ReaderClosed`, which the
 * command treats as a normal end.
 */
import { PiwardriveError } from "../errors.ts";
import { type ByteWriter, osReason } from "./output_file.ts";

/** The reader of the export went away (`| head`): the export ends there, successfully. */
export class ReaderClosed extends Error {}

const BLOCK_BYTES = 64 * 1024;
const encoder = new TextEncoder();

/**
 * Encodes chunks into one reused 64 KB block and writes it when full (no string joining, no
 * buffer per block); an interrupt is noticed at each block.
 */
export class BufferedWriter {
  readonly #writer: ByteWriter;
  readonly #signal: AbortSignal;
  /** What a write error names: `the export` on stdout, the `-o` path otherwise. */
  readonly #name: string;
  readonly #block = new Uint8Array(BLOCK_BYTES);
  #used = 0;
  /** The end of a chunk that did not fit: encoded once the block is written. */
  #rest = "";

  constructor(writer: ByteWriter, signal: AbortSignal, name: string) {
    this.#writer = writer;
    this.#signal = signal;
    this.#name = name;
  }

  /** Buffers `text`; true when the block is full and the caller should `flush()`. */
  push(text: string): boolean {
    const { read, written } = encoder.encodeInto(text, this.#block.subarray(this.#used));
    this.#used += written;
    if (read === text.length) return false;
    this.#rest = text.slice(read);
    return true;
  }

  /** Writes the full block, then buffers what did not fit (writing again while it fills blocks). */
  async flush(): Promise<void> {
    do await this.#write(); while (this.push(this.#takeRest()));
  }

  /** Writes everything buffered. */
  async end(): Promise<void> {
    await this.flush();
    await this.#write();
  }

  #takeRest(): string {
    const rest = this.#rest;
    this.#rest = "";
    return rest;
  }

  async #write(): Promise<void> {
    if (this.#signal.aborted) throw new PiwardriveError("Export interrupted");
    let bytes = this.#block.subarray(0, this.#used);
    this.#used = 0;
    try {
      while (bytes.length > 0) bytes = bytes.subarray(await this.#writer.write(bytes));
    } catch (error) {
      if (error instanceof Deno.errors.BrokenPipe) throw new ReaderClosed();
      throw new PiwardriveError(`Cannot write ${this.#name}: ${osReason(error)}`, undefined, {
        cause: error,
      });
    }
  }
}
