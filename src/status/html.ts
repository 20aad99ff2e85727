// status.html: one static page any web server on the box can serve. No JavaScript; it reloads itself every
// minute; green rows are fine, red rows need attention; readable on a phone.
import type { JobState } from "../schedule/schedule.ts";
import { type StatusReport, needsAttention } from "./report.ts";
import { diskText, localTime, nextDueText, shortError } from "./text.ts";

/** Seconds between the page's own reloads. */
export const REFRESH_SECONDS = 60;

const COLOURS: Record<JobState, { background: string; text: string }> = {
  ok: { background: "#1a7f37", text: "#ffffff" },
  running: { background: "#0969da", text: "#ffffff" },
  offline: { background: "#9a6700", text: "#ffffff" },
  disabled: { background: "#6e7781", text: "#ffffff" },
  partial: { background: "#bf8700", text: "#ffffff" },
  shrunk: { background: "#cf222e", text: "#ffffff" },
  failed: { background: "#cf222e", text: "#ffffff" },
  overdue: { background: "#cf222e", text: "#ffffff" },
};

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

export function renderHtml(report: StatusReport): string {
  const problems = report.jobs.filter(needsAttention);
  const headline = report.jobs.length === 0 ? "No jobs yet" : problems.length === 0 ? "All backups OK" : `${problems.length} backup(s) need attention`;
  const stateStyles = Object.entries(COLOURS)
    .map(([state, colour]) => `tr.${state} td.state{background:${colour.background};color:${colour.text}}`)
    .join("\n");
  const rows = report.jobs.map((job) => {
    const snapshot = job.lastSnapshot === null ? "none" : `${escape(job.lastSnapshot.name)} <small>(${escape(job.lastSnapshot.age)})</small>`;
    return `<tr class="${job.state}" data-job="${escape(job.name)}" data-state="${job.state}">` +
      `<td class="job" data-label="Job">${escape(job.name)}</td><td class="state" data-label="State">${job.state}</td>` +
      `<td data-label="Last snapshot">${snapshot}</td><td data-label="Every">${escape(job.every ?? "-")}</td>` +
      `<td data-label="Next due">${escape(nextDueText(job))}</td>` +
      `<td class="error" data-label="Last error">${escape(shortError(job.lastError, 120))}</td></tr>`;
  });
  const disks = report.filesystems.map((disk) => `<li>${escape(diskText(disk))}</li>`);
  const warnings = report.jobs.flatMap((job) => job.warnings.map((warning) => `<li class="warning">${escape(job.name)}: ${escape(warning)}</li>`));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>${escape(headline)} - linkback</title>
<style>
body{font-family:system-ui,sans-serif;margin:0.5rem;color:#1f2328;background:#fff}
h1{font-size:1.3rem;margin:0.3rem 0;padding:0.5rem;border-radius:4px;color:#fff}
h1.ok{background:#1a7f37}h1.problem{background:#cf222e}h1.empty{background:#6e7781}
p,li{font-size:0.9rem}
table{border-collapse:collapse;width:100%;font-size:0.95rem}
th,td{border:1px solid #d0d7de;padding:0.35rem 0.4rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.state{font-weight:bold;text-transform:uppercase;white-space:nowrap}
td.error{font-size:0.85rem;word-break:break-word}
${stateStyles}
@media (max-width:640px){
table,tbody,tr,td{display:block;width:auto}
thead{display:none}
tr{margin-bottom:0.6rem;border:1px solid #d0d7de;border-radius:4px}
td{border:none;border-bottom:1px solid #eaeef2}
td::before{content:attr(data-label);display:inline-block;min-width:7.5rem;font-weight:normal;color:#57606a;text-transform:none}
td.state::before{color:inherit}
}
</style>
</head>
<body>
<h1 class="${report.jobs.length === 0 ? "empty" : problems.length === 0 ? "ok" : "problem"}">${escape(headline)}</h1>
<p>As of ${escape(localTime(report.generatedAt))} on ${escape(report.host)}; this page reloads every minute.</p>
<table id="jobs">
<thead><tr><th>Job</th><th>State</th><th>Last snapshot</th><th>Every</th><th>Next due</th><th>Last error</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
${warnings.length === 0 ? "" : `<ul id="warnings">\n${warnings.join("\n")}\n</ul>\n`}<ul id="disks">
${disks.join("\n")}
</ul>
</body>
</html>
`;
}
