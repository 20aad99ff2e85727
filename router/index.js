// linkback-src-sha256 4abc17e863486f5f9055fcef70a24b8f10ec28c9defb9d22c53e4d8bb7e089c1
// Built from src/ by `npm run bundle` (scripts/bundle.js); do not edit.
import { createRequire as __linkbackRequire } from "node:module"; const require = __linkbackRequire(import.meta.url);
function defineJob(job){return job}function snapshotOf(job){return{kind:"snapshotOf",job}}function remote(command,options={}){return{kind:"remote",command,...options.timeout===void 0?{}:{timeout:options.timeout}}}function notify(message,options={}){return{kind:"notify",message,...options}}export{defineJob,notify,remote,snapshotOf};
