// linkback-src-sha256 0c1ad3711eb0149e87d8c228cc919085ddcdd1161e67d6fcc79de629354b57d7
// Built from src/ by `npm run bundle` (scripts/bundle.js); do not edit.
import { createRequire as __linkbackRequire } from "node:module"; const require = __linkbackRequire(import.meta.url);
function defineJob(job){return job}function snapshotOf(job){return{kind:"snapshotOf",job}}function remote(command,options={}){return{kind:"remote",command,...options.timeout===void 0?{}:{timeout:options.timeout}}}function notify(message,options={}){return{kind:"notify",message,...options}}export{defineJob,notify,remote,snapshotOf};
