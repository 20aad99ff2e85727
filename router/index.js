// linkback-src-sha256 b45f6d29f72af37b4c871d8e1bfc685c46cc9fe9dad214cb6a1491af1f75a9af
// Built from src/ by `npm run bundle` (scripts/bundle.js); do not edit.
import { createRequire as __linkbackRequire } from "node:module"; const require = __linkbackRequire(import.meta.url);
function defineJob(job){return job}function snapshotOf(job){return{kind:"snapshotOf",job}}function remote(command,options={}){return{kind:"remote",command,...options.timeout===void 0?{}:{timeout:options.timeout}}}function notify(message,options={}){return{kind:"notify",message,...options}}export{defineJob,notify,remote,snapshotOf};
