// linkback-src-sha256 d5817baff496796ceb08d425ab40f565fc79e1566ef42f273dfbb835a1bc5f9f
// Built from src/ by `npm run bundle` (scripts/bundle.js); do not edit.
import { createRequire as __linkbackRequire } from "node:module"; const require = __linkbackRequire(import.meta.url);
function defineJob(job){return job}function snapshotOf(job){return{kind:"snapshotOf",job}}function remote(command,options={}){return{kind:"remote",command,...options.timeout===void 0?{}:{timeout:options.timeout}}}function notify(message,options={}){return{kind:"notify",message,...options}}export{defineJob,notify,remote,snapshotOf};
