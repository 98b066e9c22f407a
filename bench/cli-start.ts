// CLI start benchmark: `zixly help` from the compiled bin against a bare `node -e 0`, same run.
// Usage: npm run -s bench:cli -- [--reps 15] [--json]
// The bin is dist/backtest-job/cli.js, which `npm ci` builds (the prepare script); each run is
// a fresh process, timed from spawn to exit, the two commands interleaved so load hits both.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    reps: { type: "string", default: "15" },
    json: { type: "boolean", default: false },
  },
});
const reps = Math.max(1, Number(values.reps));
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "dist", "backtest-job", "cli.js");
if (!existsSync(BIN)) {
  process.stderr.write(
    "dist/backtest-job/cli.js is missing: run npm run prepare (npm ci runs it)\n",
  );
  process.exit(2);
}

/** Milliseconds from spawn to exit of `node ...args`; fails on a non-zero exit. */
function timeRun(args: string[]): number {
  const t = performance.now();
  const result = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ms = performance.now() - t;
  if (result.status !== 0) {
    throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const help = ["dist/backtest-job/cli.js", "help"];
const bare = ["-e", "0"];
// Warm-up: the file system cache holds the bundles and node itself, as on a second call.
timeRun(help);
timeRun(bare);
const helpMs: number[] = [];
const bareMs: number[] = [];
for (let r = 0; r < reps; r++) {
  helpMs.push(timeRun(help));
  bareMs.push(timeRun(bare));
}
const result = {
  reps,
  helpMsMedian: Number(median(helpMs).toFixed(1)),
  bareNodeMsMedian: Number(median(bareMs).toFixed(1)),
  ratio: Number((median(helpMs) / median(bareMs)).toFixed(2)),
  helpMsMin: Number(Math.min(...helpMs).toFixed(1)),
  bareNodeMsMin: Number(Math.min(...bareMs).toFixed(1)),
  loadAverage1m: Number(loadavg()[0].toFixed(2)),
};
if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`zixly help (node dist/backtest-job/cli.js help), median of ${reps}:`);
  console.log(`  zixly help     ${result.helpMsMedian} ms (min ${result.helpMsMin})`);
  console.log(`  node -e 0      ${result.bareNodeMsMedian} ms (min ${result.bareNodeMsMin})`);
  console.log(`  ratio          ${result.ratio}`);
  console.log(`  load average   ${result.loadAverage1m} (1 min)`);
}
