/** `upload --status`: the batches in the database and, when WiGLE answers, its status of each. */
import type { DatabaseSync } from "node:sqlite";
import { type Batch, listBatches, unsentCount } from "./batches.ts";
import type { WigleClient, WigleTransaction } from "./client.ts";

export interface BatchStatus extends Batch {
  /** WiGLE's record of the batch's transId, null when not known (offline, not listed). */
  wigle: Omit<WigleTransaction, "transId" | "fileName"> | null;
}

export interface UploadStatus {
  batches: BatchStatus[];
  /** Positioned sightings no batch carries yet. */
  unsent: number;
  /** Whether WiGLE's list was read, and if not why. */
  wigle: { checked: true } | { checked: false; reason: string };
}

/** The status; `client` null when no account is configured. */
export async function uploadStatus(
  db: DatabaseSync,
  client: WigleClient | null,
  noClientReason: string,
): Promise<UploadStatus> {
  const batches = listBatches(db);
  const unsent = unsentCount(db, null);
  let wigle: UploadStatus["wigle"] = { checked: false, reason: noClientReason };
  const byTransId = new Map<string, WigleTransaction>();
  if (client !== null && batches.some((b) => b.transId !== null)) {
    try {
      for (const t of await client.transactions()) byTransId.set(t.transId, t);
      wigle = { checked: true };
    } catch (error) {
      wigle = { checked: false, reason: error instanceof Error ? error.message : String(error) };
    }
  } else if (client !== null) {
    wigle = { checked: false, reason: "no batch has a transId yet" };
  }
  return {
    batches: batches.map((b) => {
      const t = b.transId === null ? undefined : byTransId.get(b.transId);
      return {
        ...b,
        wigle: t === undefined ? null : {
          status: t.status,
          percentDone: t.percentDone,
          discovered: t.discovered,
          total: t.total,
        },
      };
    }),
    unsent,
    wigle,
  };
}

/** Lines for a terminal: one per batch, then the totals. */
export function statusLines(status: UploadStatus): string[] {
  const lines = status.batches.map((b) => {
    const wigle = b.wigle === null
      ? ""
      : `, WiGLE: ${b.wigle.status ?? "?"} ${b.wigle.percentDone ?? "?"}% (${
        b.wigle.discovered ?? "?"
      } new of ${b.wigle.total ?? "?"})`;
    const trans = b.transId === null ? "" : `, transId ${b.transId}`;
    const note = b.state === "failed" && b.message ? `: ${b.message}` : "";
    return `${b.state.padEnd(7)} ${b.fileName}: ${b.sightings} sightings${trans}${wigle}${note}`;
  });
  const count = (state: string) => status.batches.filter((b) => b.state === state).length;
  lines.push(
    `${count("sent")} sent, ${count("pending")} pending, ${
      count("failed")
    } failed; ${status.unsent} sightings with a position not uploaded yet`,
  );
  if (!status.wigle.checked) lines.push(`WiGLE status not read: ${status.wigle.reason}`);
  return lines;
}
