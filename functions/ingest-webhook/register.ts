// Registers ingest-webhook with functions-framework, given a way to get its dependencies.
import * as functions from "@google-cloud/functions-framework";
import type { IngestDeps } from "./handler.ts";
import { ingestHttp } from "./http-adapter.ts";

/** The function's name: its `--target` and its Knative Service. */
export const INGEST_WEBHOOK = "ingest-webhook";

/** Registers the HTTP function; `deps` is called per request and should be memoised. */
export function registerIngestWebhook(deps: () => Promise<IngestDeps>): void {
  functions.http(INGEST_WEBHOOK, ingestHttp(deps));
}
