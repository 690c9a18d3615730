/**
 * A stand-in for WiGLE's file API on 127.0.0.1, built from its public contract: HTTP Basic auth,
 * `POST /api/v2/file/upload` with the file in multipart part `file` (gzipped WiGLE CSV 1.6),
 * answers `{success, results: {transids: [{transId}]}}`, and `GET /api/v2/file/transactions`.
 * It refuses a file whose rows WiGLE would drop (another time format, (0,0), accuracy 0) and
 * counts every accepted row by MAC and time, so a test sees a sighting sent twice or never.
 *
 * Modes for the next uploads (`modes`, one per request, the last one kept):
 * - success: records the file and answers with its transId;
 * - refuse: `{success: false, message}` (HTTP 200), nothing recorded;
 * - 429, 500: that status, nothing recorded;
 * - hang: reads the body, records nothing, never answers;
 * - drop: records the file, then breaks the connection in the middle of the answer;
 * - malformed: records nothing, answers 200 with a body that is not JSON;
 * - stall: reads none of the body and never answers (the client is killed meanwhile);
 * - partial: reads the first chunk of the body only, never answers;
 * - hold: records the file, then holds its answer until the server closes.
 */
import { WIGLE_HEADER } from "../../src/export/wigle.ts";

export type Mode =
  | "success"
  | "refuse"
  | "429"
  | "500"
  | "hang"
  | "drop"
  | "malformed"
  | "stall"
  | "partial"
  | "hold";

export interface Upload {
  fileName: string;
  transId: string;
  donate: boolean;
  rows: string[][];
}

export class WigleServer {
  readonly uploads: Upload[] = [];
  /** Accepted rows by `MAC|FirstSeen`. */
  readonly rowCounts = new Map<string, number>();
  /** Requests to the upload endpoint, answered or not. */
  uploadRequests = 0;
  transactionRequests = 0;
  modes: Mode[] = ["success"];
  /** Failures of the contract checks, as the server answered them. */
  readonly rejections: string[] = [];
  readonly #server: Deno.HttpServer;
  readonly #expectedAuth: string;
  readonly #closing = Promise.withResolvers<void>();
  #waiters: { event: string; resolve: () => void }[] = [];
  #next = 1;

  constructor(apiName: string, token: string) {
    this.#expectedAuth = `Basic ${btoa(`${apiName}:${token}`)}`;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => this.#handle(request),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.addr as Deno.NetAddr).port}`;
  }

  /** Resolves when `event` ("upload-start", "upload-body", "upload-recorded") next happens. */
  next(event: string): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ event, resolve });
    return promise;
  }

  async close(): Promise<void> {
    this.#closing.resolve();
    await this.#server.shutdown();
  }

  #emit(event: string): void {
    const ready = this.#waiters.filter((w) => w.event === event);
    this.#waiters = this.#waiters.filter((w) => w.event !== event);
    for (const w of ready) w.resolve();
  }

  #mode(): Mode {
    return this.modes.length > 1 ? this.modes.shift()! : this.modes[0];
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.headers.get("authorization") !== this.#expectedAuth) {
      this.rejections.push("authorization");
      return Response.json({ success: false, message: "Unauthorized" }, { status: 401 });
    }
    if (request.method === "GET" && url.pathname === "/api/v2/file/transactions") {
      this.transactionRequests++;
      return Response.json({
        success: true,
        results: this.uploads.map((u) => ({
          transid: u.transId,
          fileName: u.fileName,
          status: "D",
          percentDone: 100,
          discoveredGps: u.rows.length,
          totalGps: u.rows.length,
        })).reverse(),
      });
    }
    if (request.method !== "POST" || url.pathname !== "/api/v2/file/upload") {
      return Response.json({ success: false, message: "Not found" }, { status: 404 });
    }
    this.uploadRequests++;
    const mode = this.#mode();
    this.#emit("upload-start");
    if (mode === "stall") return await this.#forever();
    if (mode === "partial") {
      await request.body!.getReader().read();
      this.#emit("upload-body");
      return await this.#forever();
    }
    const checked = await this.#check(request);
    if (typeof checked === "string") {
      this.rejections.push(checked);
      return Response.json({ success: false, message: checked }, { status: 400 });
    }
    switch (mode) {
      case "refuse":
        return Response.json({ success: false, message: "Upload refused for this test" });
      case "429":
        return Response.json({ success: false, message: "too many" }, { status: 429 });
      case "500":
        return new Response("internal error", { status: 500 });
      case "hang":
        return await this.#forever();
      case "malformed":
        return new Response("<html>maintenance</html>", { status: 200 });
    }
    const upload = { ...checked, transId: `20261202-${String(this.#next++).padStart(5, "0")}` };
    this.uploads.push(upload);
    for (const row of upload.rows) {
      const key = `${row[0]}|${row[3]}`;
      this.rowCounts.set(key, (this.rowCounts.get(key) ?? 0) + 1);
    }
    this.#emit("upload-recorded");
    if (mode === "hold") return await this.#forever();
    const body = JSON.stringify({
      success: true,
      warning: null,
      results: {
        timeTaken: "1",
        filesize: 1,
        filename: upload.fileName,
        transids: [{ file: upload.fileName, size: 1, transId: upload.transId }],
      },
      observer: "test",
    });
    if (mode === "drop") {
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(body.slice(0, 10)));
            controller.error(new Error("connection dropped"));
          },
        }),
        { headers: { "content-type": "application/json" } },
      );
    }
    return new Response(body, { headers: { "content-type": "application/json" } });
  }

  async #forever(): Promise<Response> {
    await this.#closing.promise;
    return new Response("closing", { status: 503 });
  }

  /** The upload's file and rows, or what is wrong with it. */
  async #check(request: Request): Promise<Omit<Upload, "transId"> | string> {
    if (!(request.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
      return "not multipart/form-data";
    }
    const form = await request.formData();
    const file = form.get("file");
    if (!(file instanceof File)) return "no part named file";
    if (!file.name.endsWith(".csv.gz")) return `file name ${file.name} is not .csv.gz`;
    let text: string;
    try {
      text = await new Response(file.stream().pipeThrough(new DecompressionStream("gzip"))).text();
    } catch {
      return "file is not gzip";
    }
    const lines = text.split("\n");
    if (!lines[0].startsWith("WigleWifi-1.6,")) return "no WigleWifi-1.6 pre-header";
    if (lines[1] !== WIGLE_HEADER) return "not the CSV 1.6 header";
    if (lines.at(-1) !== "") return "last line not terminated";
    const rows = lines.slice(2, -1).map((line) => line.split(","));
    if (rows.some((r) => r.length !== 14)) return "a row without 14 fields";
    // WiGLE drops rows with another time format or no position (0,0).
    if (rows.some((r) => !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(r[3]))) return "bad FirstSeen";
    if (rows.some((r) => Number(r[7]) === 0 && Number(r[8]) === 0)) return "a row at (0,0)";
    if (rows.some((r) => !(Number(r[10]) > 0))) return "AccuracyMeters not positive";
    return { fileName: file.name, donate: form.get("donate") === "on", rows };
  }
}
