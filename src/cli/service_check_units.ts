/**
 * Alerting the Unix way: a oneshot unit that runs `db check` (exit 3 on a problem, so the unit
 * fails), a timer that starts it daily, and the `OnFailure=` hook it names, which the user points
 * at their notifier. The hook shipped writes a critical line to the journal with `logger`.
 */
import { sandbox } from "./service_sandbox.ts";

/** The units `piwardrive service --unit` prints besides `collect`. */
export const CHECK_UNITS = ["check", "check-timer", "alert"] as const;
export type CheckUnit = typeof CHECK_UNITS[number];

const INSTALL = `#   piwardrive service --unit check > /etc/systemd/system/piwardrive-check.service
#   piwardrive service --unit check-timer > /etc/systemd/system/piwardrive-check.timer
#   piwardrive service --unit alert > /etc/systemd/system/piwardrive-alert@.service
#   systemctl daemon-reload && systemctl enable --now piwardrive-check.timer`;

/**
 * The text of one of the check units.
 *
 * @example
 * ```ts
 * checkUnit("check", { bin: "/usr/local/bin/piwardrive", db: "/var/lib/piwardrive/piwardrive.db" });
 * ```
 */
export function checkUnit(unit: CheckUnit, o: { bin: string; db: string }): string {
  // Both services run as the collect unit's user, sandboxed, with no network and no privilege.
  const user = `User=piwardrive\nGroup=piwardrive\nUMask=0077\n`;
  if (unit === "check") {
    return `# piwardrive-check.service: the database check the timer runs; install with
${INSTALL}
[Unit]
Description=piwardrive database check (integrity_check, foreign_key_check, migrate --verify)
# db check exits 3 on a problem: the unit fails and the hook runs with this unit's name.
OnFailure=piwardrive-alert@%n.service

[Service]
Type=oneshot
ExecStart=${o.bin} --db ${o.db} db check --json
${user}${sandbox({ db: o.db, collect: false })}`;
  }
  if (unit === "check-timer") {
    return `# piwardrive-check.timer: runs piwardrive-check.service daily; install with
${INSTALL}
[Unit]
Description=Daily piwardrive database check

[Timer]
OnCalendar=daily
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
`;
  }
  return `# piwardrive-alert@.service: runs when a piwardrive unit fails (%i is that unit); install with
${INSTALL}
# Point ExecStart at your notifier. This one writes a line of priority crit to the journal
# (journalctl -p crit shows it). With a local mail command, for example:
#   ExecStart=/bin/sh -c 'journalctl -u %i -n 40 -o cat --no-pager | mail -s "piwardrive: %i failed" root'
[Unit]
Description=piwardrive alert: %i failed

[Service]
Type=oneshot
ExecStart=/usr/bin/logger -p user.crit -t piwardrive "%i failed: see journalctl -u %i"
${user}${sandbox({ collect: false })}`;
}
