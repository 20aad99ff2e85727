// Timing helpers for the benchmarks: run a command R times, report the median and the spread (min–max), and
// ratios against the baseline measured in the same run (these machines are noisy: ratios, not seconds).

export interface Timing {
  median: number;
  min: number;
  max: number;
}

export async function measure(repeat: number, body: () => Promise<unknown>): Promise<Timing> {
  const seconds: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = process.hrtime.bigint();
    await body();
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  seconds.sort((a, b) => a - b);
  return { median: seconds[Math.floor(seconds.length / 2)]!, min: seconds[0]!, max: seconds.at(-1)! };
}

/** Print a table: label, median, spread, ratio to the last row (the baseline). */
export function report(title: string, rows: ({ label: string } & Timing)[]): void {
  const baseline = rows.at(-1)!;
  console.log(`\n${title}`);
  console.log("| | median | min–max | ratio to baseline |\n|---|---|---|---|");
  for (const row of rows) {
    console.log(`| ${row.label} | ${row.median.toFixed(3)} s | ${row.min.toFixed(3)}–${row.max.toFixed(3)} s | ${(row.median / baseline.median).toFixed(2)} |`);
  }
}
