// rsync's progress on a terminal: one line on stderr, rewritten in place and cleared before any log line.

let shown = false;

/** Show `text` as the progress line (cut to the terminal's width). */
export function showProgress(text: string): void {
  const width = process.stderr.columns || 80; // 0 on a pty without a size (script(1) with output to a pipe)
  process.stderr.write(`\r\x1b[K${text.slice(0, Math.max(10, width - 1))}`);
  shown = true;
}

/** Remove the progress line, if one is shown. */
export function clearProgress(): void {
  if (!shown) return;
  process.stderr.write("\r\x1b[K");
  shown = false;
}

/** A progress callback for a job when a person is watching stderr, else undefined. */
export function progressFor(job: string, enabled: boolean): ((text: string) => void) | undefined {
  if (!enabled || process.stderr.isTTY !== true) return undefined;
  return (text) => showProgress(`${job}: ${text}`);
}
