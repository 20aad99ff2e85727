// Where a job's data comes from: a local path or a remote host (ssh or rsync daemon).

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
export function isRemoteSource(source: string): boolean {
  return source.startsWith("rsync://") || hostColon(source) >= 0;
}

/** True when rsync reaches the source through a remote shell (ssh), not a daemon or the local disk. */
export function isShellSource(source: string): boolean {
  if (source.startsWith("rsync://")) return false;
  const colon = hostColon(source);
  return colon >= 0 && source[colon + 1] !== ":";
}

/** `user@host` (or `host`) of a shell source: what `remote()` hooks connect to (IPv6 without brackets, as ssh wants). */
export function sourceHost(source: string): string | undefined {
  if (!isShellSource(source)) return undefined;
  return source.slice(0, hostColon(source)).replace(/\[([^\]]*)\]$/, "$1");
}

/** The source as rsync gets it: always ending in `/`, so the snapshot holds its contents. */
export function rsyncSource(source: string): string {
  return source.endsWith("/") ? source : `${source}/`;
}
