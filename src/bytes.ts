// Byte counts for people: decimal units, as rsync's and df's -H figures are.

/** `1.9 MB`, `512 B`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) { // 999,999 B is "1.0 MB", not "1000.0 kB"
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
