/**
 * One upload at a time per database (a timer's run and a manual one): two runs resuming the same
 * pending batch could both send it. A flock on `<db>.upload.lock`, which the kernel drops when
 * the process dies, so a killed upload never blocks the next.
 */
import { PiwardriveError } from "../errors.ts";

export async function holdUploadLock(
  dbPath: string,
  onWait: (line: string) => void,
): Promise<{ release(): void }> {
  const path = `${dbPath}.upload.lock`;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { create: true, write: true, mode: 0o600 });
  } catch (error) {
    throw new PiwardriveError(
      `Cannot open the upload lock "${path}": ${error instanceof Error ? error.message : error}`,
    );
  }
  const waiting = setTimeout(() => onWait("waiting for another piwardrive upload to finish…"), 500);
  try {
    await file.lock(true);
  } finally {
    clearTimeout(waiting);
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      file.close();
    },
  };
}
