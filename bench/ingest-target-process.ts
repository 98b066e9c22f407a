// Child process of the ingest benchmark: serves one target until the parent says "stop".
// Usage (from bench/ingest.ts, with an IPC channel): tsx bench/ingest-target-process.ts TARGET
import { isTarget, startTarget } from "./ingest-targets.ts";

const name = process.argv[2] ?? "";
const secret = process.env.BENCH_WEBHOOK_SECRET ?? "";
if (!process.send) throw new Error("run this from bench/ingest.ts: it needs an IPC channel");
if (!isTarget(name)) throw new Error(`unknown target "${name}"`);

const target = await startTarget(name, secret);
process.send({ kind: "ready", port: target.port });
process.on("message", async (message: unknown) => {
  if (message !== "stop") return;
  const published = target.published();
  await target.close();
  // process.exit, not a signal, so that --cpu-prof writes its profile.
  process.send!({ kind: "stopped", published }, () => process.exit(0));
});
