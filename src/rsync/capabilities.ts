// What this machine's rsync can keep: `rsync --version` lists ACLs and xattrs among its capabilities when
// it was built with them (Debian's is; some router builds are not).
import { loadExeca } from "../process/execa.ts";

export interface RsyncCapabilities {
  acls: boolean;
  xattrs: boolean;
}

let known: Promise<RsyncCapabilities> | undefined;

/** Asked once per process. An rsync that does not answer keeps nothing extra. */
export function rsyncCapabilities(): Promise<RsyncCapabilities> {
  known ??= loadExeca()
    .then((execa) => execa("rsync", ["--version"], { reject: false, stdin: "ignore" }))
    .then((result) => capabilitiesOf(String(result.stdout)), () => ({ acls: false, xattrs: false }));
  return known;
}

/** From `rsync --version`'s text: "ACLs" and "xattrs" listed, not "no ACLs" / "no xattrs". */
export function capabilitiesOf(version: string): RsyncCapabilities {
  const listed = (word: string) => new RegExp(`(?<!no )\\b${word}\\b`).test(version);
  return { acls: listed("ACLs"), xattrs: listed("xattrs") };
}
