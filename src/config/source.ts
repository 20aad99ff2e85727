// Where a job's data comes from: a local path, a remote host (ssh or rsync daemon), or another job's newest
// snapshot (`snapshotOf()`).
import type { SnapshotOf } from "./types.ts";

/** A job's `source` field. */
export type SourceSpec = string | SnapshotOf;

/** True for `snapshotOf("job")`. */
export function isCopySource(source: SourceSpec): source is SnapshotOf {
  return typeof source === "object";
}

/** The source as people read it: the path or address, or `snapshotOf("laptop")`. */
export function describeSource(source: SourceSpec): string {
  return isCopySource(source) ? `snapshotOf(${JSON.stringify(source.job)})` : source;
}

/**
 * The index of the colon that ends the host part of `host:path`, `user@host:path` or `host::module`, or -1
 * for a local path (no colon before the first `/`). A bracketed IPv6 address (`user@[fe80::1]:/path`) holds
 * colons of its own, as in rsync.
 */
function hostColon(source: string): number {
  const bracketed = /^(?:[^/:@[\]]*@)?\[[^\]/]*\]/.exec(source);
  const colon = source.indexOf(":", bracketed?.[0].length ?? 0);
  const slash = source.indexOf("/", bracketed?.[0].length ?? 0);
  return colon > 0 && (slash < 0 || colon < slash) ? colon : -1;
}

/** True for `host:path`, `user@host:path`, `host::module` and `rsync://…`; false for a local path. */
export function isRemoteSource(source: SourceSpec): boolean {
  if (isCopySource(source)) return false;
  return source.startsWith("rsync://") || hostColon(source) >= 0;
}

/** True when rsync reaches the source through a remote shell (ssh), not a daemon or the local disk. */
export function isShellSource(source: SourceSpec): boolean {
  if (isCopySource(source)) return false;
  if (source.startsWith("rsync://")) return false;
  const colon = hostColon(source);
  return colon >= 0 && source[colon + 1] !== ":";
}

/** `user@host` (or `host`) of a shell source: what `remote()` hooks connect to (IPv6 without brackets, as ssh wants). */
export function sourceHost(source: SourceSpec): string | undefined {
  if (isCopySource(source) || !isShellSource(source)) return undefined;
  return source.slice(0, hostColon(source)).replace(/\[([^\]]*)\]$/, "$1");
}

/** The source as rsync gets it: always ending in `/`, so the snapshot holds its contents. */
export function rsyncSource(source: string): string {
  return source.endsWith("/") ? source : `${source}/`;
}
