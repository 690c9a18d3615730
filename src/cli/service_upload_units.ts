/**
 * Periodic WiGLE uploads: a oneshot unit that runs `upload` and a timer that starts it. Offline
 * is normal (exit 5 leaves the queue intact), so it is not a failure; the run is niced and its
 * I/O idle-class so that `collect` keeps its pace.
 */
import { sandbox } from "./service_sandbox.ts";

/** The units `piwardrive service --unit` prints for uploads. */
export const UPLOAD_UNITS = ["upload", "upload-timer"] as const;
export type UploadUnit = typeof UPLOAD_UNITS[number];

const INSTALL =
  `#   piwardrive config set wigle.api_name NAME   (as the user piwardrive, on this database)
#   install -m 0600 -o piwardrive -g piwardrive /dev/stdin /var/lib/piwardrive/wigle-token  (paste the token)
#   piwardrive config set wigle.token_file /var/lib/piwardrive/wigle-token
#   piwardrive service --unit upload > /etc/systemd/system/piwardrive-upload.service
#   piwardrive service --unit upload-timer > /etc/systemd/system/piwardrive-upload.timer
#   systemctl daemon-reload && systemctl enable --now piwardrive-upload.timer`;

/**
 * The text of one of the upload units.
 *
 * @example
 * ```ts
 * uploadUnit("upload", { bin: "/usr/local/bin/piwardrive", db: "/var/lib/piwardrive/piwardrive.db" });
 * ```
 */
export function uploadUnit(unit: UploadUnit, o: { bin: string; db: string }): string {
  if (unit === "upload-timer") {
    return `# piwardrive-upload.timer: runs piwardrive-upload.service every 30 minutes; install with
${INSTALL}
[Unit]
Description=Periodic piwardrive upload to WiGLE

[Timer]
OnBootSec=10min
OnUnitInactiveSec=30min
RandomizedDelaySec=5min

[Install]
WantedBy=timers.target
`;
  }
  return `# piwardrive-upload.service: sends what collect stored to WiGLE; install with
${INSTALL}
[Unit]
Description=piwardrive upload to WiGLE (the sightings not sent yet)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=${o.bin} --db ${o.db} upload
# Exit 5: WiGLE unreachable after the retries, queue intact; the next run sends it.
SuccessExitStatus=5
# Never at collect's expense: lowest CPU and I/O priority.
Nice=19
CPUWeight=20
IOSchedulingClass=idle
User=piwardrive
Group=piwardrive
UMask=0077
${sandbox({ db: o.db, collect: false, internet: true })}`;
}
