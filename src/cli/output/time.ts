/** @module cli/output/time — timestamps and ages formatted the way Velero and kubectl print them. */

const SECOND = 1000;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Go's time.Time.String() for a UTC, whole-second time, which is what Velero's
 * tables and describe output show: `2025-01-02 03:04:05 +0000 UTC`.
 * Kubernetes timestamps have second precision, so sub-seconds are dropped.
 */
export function formatTimestamp(when: Date | string | number): string {
  const d = when instanceof Date ? when : new Date(when);
  if (Number.isNaN(d.getTime())) return '<invalid>';
  const date = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  const time = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  return `${date} ${time} +0000 UTC`;
}

/**
 * apimachinery's ShortHumanDuration (`5s`, `3m`, `2h`, `4d`, `2y`), used for
 * Velero's EXPIRES / LAST BACKUP columns. Up to 2s negative counts as now
 * (clock skew); more negative is `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** A number with an optional second unit, dropped when zero: `3m`, `3m20s`. */
function twoUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

/**
 * apimachinery's HumanDuration, the finer form kubectl uses for AGE columns
 * (`90s`, `3m20s`, `5h10m`, `3d4h`, `2y10d`).
 */
export function humanDurationPrecise(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return twoUnits(minutes, 'm', seconds % 60, 's');
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return twoUnits(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return twoUnits(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return twoUnits(years, 'y', days % 365, 'd');
  return `${years}y`;
}

/**
 * Velero's humanReadableTimeFromNow: `4d` for a future time, `5m ago` for a
 * past one, `n/a` when there is no time.
 */
export function timeFromNow(when: Date | string | undefined, now: Date): string {
  if (when === undefined || when === '') return 'n/a';
  const t = (when instanceof Date ? when : new Date(when)).getTime();
  if (Number.isNaN(t)) return 'n/a';
  const delta = t - now.getTime();
  return delta >= 0 ? humanDuration(delta) : `${humanDuration(-delta)} ago`;
}
