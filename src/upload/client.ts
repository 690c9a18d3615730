/**
 * WiGLE's file API over fetch: `POST /api/v2/file/upload` (multipart, part `file`, optional
 * `donate=on`) and `GET /api/v2/file/transactions`, with HTTP Basic auth (API name and token).
 * Failures are sorted by what the caller may do next, and no error text ever carries the token:
 * messages are built from status codes and WiGLE's own `message`.
 */
import { UsageError } from "../errors.ts";

/** The API's base unless `PIWARDRIVE_WIGLE_URL` names another (a proxy, the tests' server). */
export const DEFAULT_WIGLE_URL = "https://api.wigle.net";

export interface WigleAccount {
  apiName: string;
  token: string;
}

/** One record of WiGLE's transaction list. */
export interface WigleTransaction {
  transId: string;
  fileName: string | null;
  status: string | null;
  percentDone: number | null;
  discovered: number | null;
  total: number | null;
}

/** No answer, or one that says "later" (timeout, DNS, refused connection, 5xx, 429). */
export class TransientError extends Error {
  override name = "TransientError";
}
/** WiGLE answered that it will not take the request (success:false, 4xx other than 429). */
export class RefusedError extends Error {
  override name = "RefusedError";
}
/** WiGLE refused the API name and token (HTTP 401 or 403): nothing was taken. */
export class AuthError extends Error {
  override name = "AuthError";
}
/** WiGLE answered something that is not its JSON. */
export class MalformedError extends Error {
  override name = "MalformedError";
}

/**
 * The base URL from `PIWARDRIVE_WIGLE_URL` (an http(s) URL with no user, password, query or
 * fragment), else WiGLE's.
 */
export function wigleBaseUrl(env: string | undefined = Deno.env.get("PIWARDRIVE_WIGLE_URL")): URL {
  if (env === undefined || env === "") return new URL(DEFAULT_WIGLE_URL);
  let url: URL;
  try {
    url = new URL(env);
  } catch {
    throw new UsageError(
      `PIWARDRIVE_WIGLE_URL ${
        JSON.stringify(env)
      } is not a URL: give one like https://api.wigle.net`,
    );
  }
  if (
    (url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password ||
    url.search || url.hash
  ) {
    throw new UsageError(
      `PIWARDRIVE_WIGLE_URL ${
        JSON.stringify(url.origin)
      } must be a plain http(s) URL without user, password, query or fragment`,
    );
  }
  return url;
}

/** `host:port` of a base URL, as a net permission names it. */
export function hostOf(url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.hostname}:${port}`;
}

export class WigleClient {
  readonly #base: URL;
  readonly #authorization: string;
  readonly #timeoutMs: number;

  constructor(base: URL, account: WigleAccount, timeoutMs: number) {
    this.#base = base;
    const bytes = new TextEncoder().encode(`${account.apiName}:${account.token}`);
    this.#authorization = `Basic ${btoa(String.fromCharCode(...bytes))}`;
    this.#timeoutMs = timeoutMs;
  }

  /** Sends `file` as `fileName`; resolves to WiGLE's transId for it. */
  async upload(
    fileName: string,
    file: Blob,
    donate: boolean,
  ): Promise<{ transId: string; warning: string | null }> {
    const form = new FormData();
    form.append("file", file, fileName);
    if (donate) form.append("donate", "on");
    const body = await this.#request("api/v2/file/upload", { method: "POST", body: form });
    const results = body.results as Record<string, unknown> | undefined;
    const transIds = results?.transids;
    const first = Array.isArray(transIds) ? transIds[0] as Record<string, unknown> : undefined;
    if (typeof first?.transId !== "string" || first.transId === "") {
      throw new MalformedError("the answer names no transId");
    }
    return {
      transId: first.transId,
      warning: typeof body.warning === "string" && body.warning !== "" ? body.warning : null,
    };
  }

  /** The most recent `count` transactions of the account. */
  async transactions(count = 100): Promise<WigleTransaction[]> {
    const body = await this.#request(
      `api/v2/file/transactions?pagestart=0&pageend=${count}`,
      { method: "GET" },
    );
    const results = body.results;
    if (!Array.isArray(results)) throw new MalformedError("the answer has no list of results");
    const num = (v: unknown) => typeof v === "number" && Number.isFinite(v) ? v : null;
    const str = (v: unknown) => typeof v === "string" ? v : null;
    return results.filter((r) => typeof r?.transid === "string").map((r) => ({
      transId: r.transid,
      fileName: str(r.fileName),
      status: str(r.status),
      percentDone: num(r.percentDone),
      discovered: num(r.discoveredGps) ?? num(r.discovered),
      total: num(r.totalGps) ?? num(r.total),
    }));
  }

  async #request(path: string, init: RequestInit): Promise<Record<string, unknown>> {
    const url = new URL(path, this.#base.href.endsWith("/") ? this.#base : `${this.#base.href}/`);
    const where = `${url.origin}${url.pathname}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        ...init,
        headers: { authorization: this.#authorization, accept: "application/json" },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new TransientError(`${where}: ${connectionReason(error, this.#timeoutMs)}`);
    }
    if (response.status === 429) {
      throw new TransientError(`${where}: HTTP 429, too many uploads for now`);
    }
    if (response.status >= 500) throw new TransientError(`${where}: HTTP ${response.status}`);
    if (response.status === 401 || response.status === 403) {
      throw new AuthError(`${where}: HTTP ${response.status}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new MalformedError(`${where}: HTTP ${response.status} with a body that is not JSON`);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new MalformedError(`${where}: HTTP ${response.status} with unexpected JSON`);
    }
    const record = body as Record<string, unknown>;
    if (!response.ok || record.success !== true) {
      const message = typeof record.message === "string" ? oneLine(record.message) : "";
      const status = response.ok ? "" : `HTTP ${response.status}, `;
      throw new RefusedError(`${where}: ${status}WiGLE says ${JSON.stringify(message || "no")}`);
    }
    return record;
  }
}

function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex -- a message must stay one line
  return text.replace(/[\x00-\x1f\x7f]+/g, " ").trim().slice(0, 200);
}

function connectionReason(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === "TimeoutError")) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return oneLine(message);
}
