/**
 * Debian's Chromium, headless, driven over the DevTools protocol with Deno's own WebSocket: open a
 * page, wait for a condition, evaluate expressions, click, take screenshots, and record every
 * request the page makes and every console error. The browser talks to 127.0.0.1 and file://
 * only; `offline` makes every host name fail to resolve.
 */
const CHROMIUM = Deno.env.get("PIWARDRIVE_CHROMIUM") ?? "/usr/bin/chromium";

/** Where screenshots go (gitignored), for a person to look at. */
export const TEST_OUTPUT: string = new URL("../../test-output/", import.meta.url).pathname;

/**
 * Null when Chromium can run here; otherwise why not. Under CI=true a missing Chromium fails the
 * test instead of skipping it.
 */
export function chromiumMissing(): string | null {
  try {
    Deno.statSync(CHROMIUM);
    return null;
  } catch {
    const why = `${CHROMIUM} not found (apt-get install chromium)`;
    if (Deno.env.get("CI") === "true") throw new Error(`${why}: required under CI=true`);
    console.warn(`skipping browser tests: ${why}`);
    return why;
  }
}

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

/** A headless Chromium and one page. */
export class Browser {
  /** Every URL the page requested, in order. */
  readonly requests: string[] = [];
  /** Console errors, uncaught exceptions and CSP reports. */
  readonly errors: string[] = [];
  readonly #process: Deno.ChildProcess;
  readonly #socket: WebSocket;
  readonly #profile: string;
  readonly #pending = new Map<number, Pending>();
  #session = "";
  #id = 0;

  private constructor(process: Deno.ChildProcess, socket: WebSocket, profile: string) {
    this.#process = process;
    this.#socket = socket;
    this.#profile = profile;
    socket.onmessage = (event) => this.#receive(JSON.parse(event.data));
  }

  /** Starts Chromium and opens a blank page of `width`×`height`. */
  static async launch(
    options: { offline?: boolean; width?: number; height?: number } = {},
  ): Promise<Browser> {
    const profile = Deno.makeTempDirSync({ prefix: "piwardrive-chromium-" });
    const process = new Deno.Command(CHROMIUM, {
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        ...(options.offline ? ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"] : []),
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const url = await devtoolsUrl(process.stderr);
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    const browser = new Browser(process, socket, profile);
    const { targetId } = await browser.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await browser.send("Target.attachToTarget", { targetId, flatten: true });
    browser.#session = sessionId as string;
    await browser.send("Page.enable");
    await browser.send("Runtime.enable");
    await browser.send("Log.enable");
    await browser.send("Network.enable");
    await browser.send("Emulation.setDeviceMetricsOverride", {
      width: options.width ?? 1400,
      height: options.height ?? 1000,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return browser;
  }

  /** Sends one DevTools command (to the page once attached) and awaits its result. */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.#id;
    const message: Record<string, unknown> = { id, method, params };
    if (this.#session) message.sessionId = this.#session;
    this.#socket.send(JSON.stringify(message));
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  /** Navigates and waits for the load event. */
  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => this.#onLoad = resolve);
    await this.send("Page.navigate", { url });
    await loaded;
  }

  /** The value of `expression` in the page (awaited if a promise). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (r.exceptionDetails) {
      throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`);
    }
    return (r.result as { value: T }).value;
  }

  /** Waits until `expression` is truthy, polling every 50 ms. */
  async waitFor(expression: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Saves a PNG of the whole page under TEST_OUTPUT and returns its path. */
  async screenshot(name: string): Promise<string> {
    Deno.mkdirSync(TEST_OUTPUT, { recursive: true });
    const { data } = await this.send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
    });
    const path = `${TEST_OUTPUT}${name}.png`;
    Deno.writeFileSync(path, Uint8Array.from(atob(data as string), (c) => c.charCodeAt(0)));
    return path;
  }

  async close(): Promise<void> {
    this.#socket.close();
    try {
      this.#process.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await this.#process.status;
    // Its helper processes may write into the profile a moment after the browser is gone.
    for (let attempt = 0;; attempt++) {
      try {
        Deno.removeSync(this.#profile, { recursive: true });
        return;
      } catch (error) {
        if (attempt >= 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  #onLoad: () => void = () => {};

  #receive(message: Record<string, unknown>): void {
    if (typeof message.id === "number") {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) {
        pending?.reject(new Error(`${JSON.stringify(message.error)}`));
      } else pending?.resolve(message.result as Record<string, unknown>);
      return;
    }
    // deno-lint-ignore no-explicit-any
    const p = message.params as any;
    switch (message.method) {
      case "Page.loadEventFired":
        this.#onLoad();
        break;
      case "Network.requestWillBeSent":
        this.requests.push(p.request.url);
        break;
      case "Runtime.exceptionThrown":
        this.errors.push(
          `exception: ${p.exceptionDetails.exception?.description ?? p.exceptionDetails.text}`,
        );
        break;
      case "Runtime.consoleAPICalled":
        if (p.type === "error") this.errors.push(`console: ${JSON.stringify(p.args)}`);
        break;
      case "Log.entryAdded":
        if (p.entry.level === "error") this.errors.push(`log: ${p.entry.text}`);
        break;
    }
  }
}

/** Reads Chromium's stderr until it names its DevTools WebSocket. */
async function devtoolsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const timeout = setTimeout(() => reader.cancel(), 30_000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`Chromium did not start: ${text.slice(-500)}`);
      text += value;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (match) {
        // Keep draining, or Chromium blocks on a full pipe.
        (async () => {
          try {
            while (!(await reader.read()).done) { /* discard */ }
          } catch { /* closed */ }
        })();
        return match[1];
      }
    }
  } finally {
    clearTimeout(timeout);
  }
}
