// What rsync's exit statuses mean (rsync(1) "EXIT VALUES"), and which count as a successful snapshot.

const MEANINGS: Record<number, string> = {
  0: "success",
  1: "syntax or usage error",
  2: "protocol incompatibility",
  3: "errors selecting input/output files or directories",
  4: "requested action not supported (e.g. ACLs or xattrs on one side)",
  5: "error starting client-server protocol",
  6: "daemon unable to append to log file",
  10: "error in socket I/O",
  11: "error in file I/O (is the backup disk full or read-only?)",
  12: "error in rsync protocol data stream (connection dropped, or rsync missing on the remote host)",
  13: "errors with program diagnostics",
  14: "error in IPC code",
  20: "received SIGUSR1 or SIGINT (stopped)",
  21: "some error returned by waitpid()",
  22: "error allocating core memory buffers",
  23: "partial transfer due to error (a source path that does not exist or files that could not be read)",
  24: "partial transfer due to vanished source files",
  25: "the --max-delete limit stopped deletions",
  30: "timeout in data send/receive",
  35: "timeout waiting for daemon connection",
  127: "rsync (or the remote shell) was not found",
  255: "ssh failed (host unreachable, authentication or host key refused)",
};

/** Human meaning of an rsync exit status. */
export function rsyncMeaning(code: number): string {
  return MEANINGS[code] ?? "unknown rsync exit status";
}

/** 0, and 24 (only vanished files — rsync reports 23 when there were other errors too), make a snapshot. */
export function isSuccess(code: number): boolean {
  return code === 0 || code === 24;
}

/** What a signal that ended rsync (or any program) says about why. */
export function signalWords(signal: string): string {
  if (signal === "SIGKILL") return "killed by SIGKILL — out of memory? (the kernel's OOM killer sends SIGKILL; `dmesg` names what it killed)";
  if (signal === "SIGSEGV" || signal === "SIGBUS" || signal === "SIGABRT" || signal === "SIGILL") return `killed by ${signal} (it crashed)`;
  return `stopped by ${signal} (sent by another program)`;
}
