// A job's SSH settings as rsync's `--rsh` string and as an argv for remote hooks and reachability checks.
import type { SshOptions } from "./types.ts";

/** The argv of the remote shell (program first), from the string form or the structured form. */
export function sshArgv(ssh: string | SshOptions | undefined): string[] {
  if (ssh === undefined) return ["ssh"];
  if (typeof ssh === "string") return splitCommandLine(ssh);
  const argv = [ssh.command ?? "ssh"];
  if (ssh.identityFile !== undefined) argv.push("-i", ssh.identityFile);
  if (ssh.knownHostsFile !== undefined) argv.push("-o", `UserKnownHostsFile=${ssh.knownHostsFile}`);
  if (ssh.port !== undefined) argv.push("-p", String(ssh.port));
  for (const [key, value] of Object.entries(ssh.options ?? {})) argv.push("-o", `${key}=${value}`);
  return argv;
}

/** rsync's `--rsh` value: the argv joined so that rsync's own splitter gives the same words back. */
export function rshString(argv: readonly string[]): string {
  return argv.map(quoteForRsync).join(" ");
}

/** Files the ssh settings name that must exist: `-i KEY`, `-F CONFIG`, `UserKnownHostsFile=…`, `IdentityFile=…`. */
export function sshFiles(argv: readonly string[]): { option: string; path: string }[] {
  const files: { option: string; path: string }[] = [];
  for (let index = 1; index < argv.length; index++) {
    const word = argv[index]!;
    const next = argv[index + 1];
    if ((word === "-i" || word === "-F") && next !== undefined) files.push({ option: word, path: next });
    else if (/^-[iF]./.test(word)) files.push({ option: word.slice(0, 2), path: word.slice(2) });
    const setting = /^(UserKnownHostsFile|IdentityFile)=(.+)$/i.exec(word === "-o" ? (next ?? "") : word.startsWith("-o") ? word.slice(2) : "");
    if (setting?.[2] !== undefined && !setting[2].includes(" ")) {
      files.push({ option: /^u/i.test(setting[1]!) ? "UserKnownHostsFile" : "IdentityFile", path: setting[2] });
    }
  }
  return files.filter((file) => !file.path.startsWith("~"));
}

/**
 * Split a command line the way rsync splits `--rsh` (main.c do_cmd): '…' and "…" quote, and inside quotes a
 * doubled quote character is one literal quote ('it''s' → it's). Backslashes are plain characters. Words are
 * separated by spaces (and, here, also tabs and newlines). No variables, globs or command substitution:
 * nothing here is a shell.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (quote !== undefined) {
      if (char !== quote) word += char;
      else if (line[index + 1] === quote) word += line[++index];
      else quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === " " || char === "\t" || char === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** One word for rsync's `--rsh` splitter: plain if it can be, else in '…' with each ' doubled. */
function quoteForRsync(word: string): string {
  if (word !== "" && /^[^\s'"]+$/.test(word)) return word;
  return `'${word.replaceAll("'", "''")}'`;
}
