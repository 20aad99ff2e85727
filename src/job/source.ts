// Where a job's data comes from: a local path or a remote host (ssh or rsync daemon).

/** True for `host:path`, `user@host:path`, `host::module` and `rsync://…`; false for a local path. */
export function isRemoteSource(source: string): boolean {
  if (source.startsWith("rsync://")) return true;
  const colon = source.indexOf(":");
  const slash = source.indexOf("/");
  return colon > 0 && (slash < 0 || colon < slash);
}

/** True when rsync reaches the source through a remote shell (ssh), not a daemon or the local disk. */
export function isShellSource(source: string): boolean {
  return isRemoteSource(source) && !source.startsWith("rsync://") && !source.includes("::");
}

/** `user@host` (or `host`) of a shell source: what `remote()` hooks connect to. */
export function sourceHost(source: string): string | undefined {
  if (!isShellSource(source)) return undefined;
  return source.slice(0, source.indexOf(":"));
}

/** The source as rsync gets it: always ending in `/`, so the snapshot holds its contents. */
export function rsyncSource(source: string): string {
  return source.endsWith("/") ? source : `${source}/`;
}
