// Words for a POSIX shell: how linkback shows a command (dry runs, logs) and how it hands data to a remote
// shell. One quoting rule for all of them.

/** Quote a word for a POSIX shell: plain when it is safe, else single quotes with embedded ones closed and escaped. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv as one line a POSIX shell would split back into the same words. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}
