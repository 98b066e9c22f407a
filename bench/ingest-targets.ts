// The three servers the ingest benchmark compares: the webhook path, ff hello world, bare node:http.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const TARGETS = ["webhook", "ffHello", "bareHttp"] as const;
export type TargetName = (typeof TARGETS)[number];

export function isTarget(name: string): name is TargetName {
  return (TARGETS as readonly string[]).includes(name);
}

/** A target listening on 127.0.0.1. */
export interface RunningTarget {
  readonly port: number;
  /** Events published; 0 for the hello-world targets. */
  published(): number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<RunningTarget> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    published: () => 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Starts one target; `secret` is the webhook path's Standard Webhooks secret. Each target
 * imports only its own modules, so a child process holds nothing but the server it measures.
 */
export async function startTarget(name: TargetName, secret: string): Promise<RunningTarget> {
  switch (name) {
    case "webhook":
      return (await import("./ingest-stack.ts")).startIngestStack(secret);
    case "ffHello": {
      const functions = await import("@google-cloud/functions-framework");
      const { getTestServer } = await import("@google-cloud/functions-framework/testing");
      functions.http("hello", (_req, res) => {
        res.send("hello");
      });
      return listen(getTestServer("hello"));
    }
    case "bareHttp":
      return listen(createServer((_req, res) => res.end("hello")));
  }
}
