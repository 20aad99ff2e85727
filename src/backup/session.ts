// What every backing-up command shares while it runs one or more jobs: `run`, `due` and `prune` build one.
import type { Logger } from "../log/logger.ts";

export interface Session {
  logger: Logger;
  /** rsync's per-job log goes to `<logDir>/<job>.rsync.log`. */
  logDir: string;
  signal: AbortSignal;
  /** A person watches stderr: show rsync's progress. */
  progress: boolean;
  /** `due`: a backup disk that is not there is said at info level (the overdue alarm speaks for it later). */
  quietWhenOffline: boolean;
  /** linkback's own directories (logs, status), never backed up into themselves. */
  ownDirs?: { path: string; what: string }[];
}
