// Registers the api with functions-framework, given a way to get its dependencies.
import * as functions from "@google-cloud/functions-framework";
import type { Request, Response, Router } from "express";
import { sendError } from "../../platform/http/send-error.ts";
import { createLogger } from "../../platform/log.ts";
import { type ApiDeps, apiRouter } from "./handler.ts";

const log = createLogger("api");
const logError = (message: string, fields: Record<string, unknown>) => log.error(message, fields);

/** The function's name: its `--target` and its Knative Service. */
export const API = "api";

/** Registers the HTTP function; the router is built once, on the first request. */
export function registerApi(deps: () => Promise<ApiDeps>): void {
  let router: Promise<Router> | undefined;
  functions.http(API, async (req: Request, res: Response) => {
    try {
      router ??= deps().then(apiRouter);
      const r = await router;
      r(req, res, (error?: unknown) => sendError(res, error ?? new Error("unrouted"), logError));
    } catch (error) {
      router = undefined;
      sendError(res, error, logError);
    }
  });
}
