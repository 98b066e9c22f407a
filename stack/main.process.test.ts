// npm start's banner: a generated secret is shown, a configured one never; insecure URLs on only while unset.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/temp-dir.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SECRET = "whsec_bWFpbi1wcm9jZXNzLXRlc3Qta2V5LTAxMjM0NTY3";
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts stack/main.ts with `env`, waits for its banner, stops it, and hands back stdout and stderr. */
async function banner(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "stack/main.ts"], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      DATA_HOME: tempDir("zixly-main-"),
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const deadline = Date.now() + 60_000;
  while (!stdout.includes("Ctrl-C stops it") && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGTERM");
  await exited;
  if (!stdout.includes("Ctrl-C stops it")) throw new Error(`no banner: ${stderr.slice(-2000)}`);
  return { stdout, stderr };
}

describe("npm start's banner", () => {
  it("with nothing set: shows the secret it generated, and says it allowed insecure URLs", async () => {
    const { stdout } = await banner({});
    const secret = /secret {4}(whsec_\S+)/.exec(stdout)?.[1];
    expect(secret).toBeDefined();
    expect(stdout).toContain(`--secret '${secret}'`);
    expect(stdout).toContain("set ALLOW_INSECURE_URLS=false to refuse them");
  }, 90_000);

  it("with WEBHOOK_SECRET, API_TOKEN and ALLOW_INSECURE_URLS=false: shows neither secret, allows nothing", async () => {
    const apiToken = "main-process-api-token-0123";
    const { stdout, stderr } = await banner({
      WEBHOOK_SECRET: SECRET,
      API_TOKEN: apiToken,
      ALLOW_INSECURE_URLS: "false",
    });
    expect(stdout).toContain("secret    from WEBHOOK_SECRET (not shown)");
    expect(stdout).toContain('--secret "$WEBHOOK_SECRET" --token "$API_TOKEN"');
    expect(stdout).not.toContain("ALLOW_INSECURE_URLS");
    for (const secret of [SECRET, SECRET.slice(6), apiToken]) {
      expect(stdout + stderr).not.toContain(secret);
    }
  }, 90_000);
});
