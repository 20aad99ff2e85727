// linkback-src-sha256 dfc05702842b75011a2d4fc123566f820843aa433d71a0e21d64dd630671f413
// Built from src/ by `npm run bundle` (scripts/bundle.js); do not edit.
import { createRequire as __linkbackRequire } from "node:module"; const require = __linkbackRequire(import.meta.url);
function defineJob(job){return job}function snapshotOf(job){return{kind:"snapshotOf",job}}function remote(command,options={}){return{kind:"remote",command,...options.timeout===void 0?{}:{timeout:options.timeout}}}function notify(message,options={}){return{kind:"notify",message,...options}}export{defineJob,notify,remote,snapshotOf};
