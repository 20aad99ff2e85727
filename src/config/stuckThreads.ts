// The job files of this process whose thread could not be stopped: it waits in a system call (a read from
// a FIFO nobody writes, a hung network mount), and the process cannot exit before the call returns.
// Small on purpose: cli.ts reads it at exit without loading the job loader.
const stuck = new Map<string, string>();

/** A job file's thread did not end when stopped; `why` it was stopped. */
export function noteStuck(file: string, why: string): void {
  stuck.set(file, why);
}

export function stuckJobFiles(): { file: string; why: string }[] {
  return [...stuck].map(([file, why]) => ({ file, why }));
}
