// What job files import from "linkback". Kept tiny: job files load it on every run.
export { defineJob, notify, remote, snapshotOf } from "./config/define.ts";
export type { Hook, HookContext, Hooks, JobConfig, NotifyHook, NotifyOptions, NotifyUrgency, RemoteHook, SnapshotOf, SshOptions } from "./config/types.ts";
