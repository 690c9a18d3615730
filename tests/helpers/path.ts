/** Finding the peers a test or a benchmark drives on PATH. */

/** Where an executable is on PATH (or at an absolute path); null when it is nowhere. */
export function which(name: string): string | null {
  if (name.startsWith("/")) {
    try {
      return Deno.statSync(name).isFile ? name : null;
    } catch {
      return null;
    }
  }
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return null;
}

/** Whether `tool` is on PATH. */
export function onPath(tool: string): boolean {
  return which(tool) !== null;
}
