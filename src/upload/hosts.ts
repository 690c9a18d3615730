/** The hosts `upload` may reach, for its network permission (kept light: read at every start). */
import { hostOf, wigleBaseUrl } from "./client.ts";

/** WiGLE's API host, or the one `PIWARDRIVE_WIGLE_URL` names (an http(s) URL). */
export function uploadHosts(_args: string[]): string[] {
  return [hostOf(wigleBaseUrl())];
}
