// The routes each server under test has, and the configuration that gives it all three webhook verifiers.
import { randomBytes } from "node:crypto";
import type { Secrets } from "./credentials.ts";
import type { Route } from "./requests.ts";

/** Fresh secrets for one server; every one long enough for its setting's minimum. */
export function newSecrets(): Secrets {
  return {
    webhookSecret: `whsec_${randomBytes(24).toString("base64")}`,
    githubSecret: randomBytes(16).toString("hex"),
    token: randomBytes(16).toString("hex"),
    apiToken: randomBytes(16).toString("hex"),
  };
}

/** The webhook sources besides `backtest`: a GitHub one, a token one, and a token one behind an IP allow-list. */
export function webhookSources(secrets: Secrets): string {
  return JSON.stringify({
    gh: { auth: "github", secret: secrets.githubSecret },
    tv: { auth: "token", token: secrets.token },
    "tv-allowed": { auth: "token", token: secrets.token, allowIps: ["203.0.113.7"] },
  });
}

/** The environment that configures a server with `secrets`. */
export function secretsEnv(secrets: Secrets): Record<string, string> {
  return {
    WEBHOOK_SECRET: secrets.webhookSecret,
    WEBHOOK_SOURCES: webhookSources(secrets),
    API_TOKEN: secrets.apiToken,
  };
}

/** POST /webhooks/:source for each source and verifier, and for sources that do not exist. */
export const WEBHOOK_ROUTES: readonly Route[] = [
  {
    method: "POST",
    path: "/webhooks/backtest",
    auth: "standard-webhooks",
    body: "request",
    weight: 4,
  },
  { method: "POST", path: "/webhooks/gh", auth: "github", body: "request", weight: 3 },
  { method: "POST", path: "/webhooks/tv", auth: "token", body: "request", weight: 3 },
  { method: "POST", path: "/webhooks/tv-allowed", auth: "token", body: "request" },
  { method: "POST", path: "/webhooks/nope", auth: "standard-webhooks", body: "request" },
  { method: "POST", path: "/webhooks/", auth: "none", body: "request" },
];

/** The api's routes: health, the dashboard's files, runs, results, cancel, the event stream. */
export const API_ROUTES: readonly Route[] = [
  { method: "GET", path: "/healthz", auth: "none", body: "none" },
  { method: "GET", path: "/", auth: "none", body: "none" },
  { method: "GET", path: "/dashboard/app.js", auth: "none", body: "none" },
  { method: "GET", path: "/dashboard/uplot.css", auth: "none", body: "none" },
  { method: "GET", path: "/dashboard/nope.js", auth: "none", body: "none" },
  { method: "GET", path: "/runs", auth: "bearer", body: "none", weight: 3 },
  { method: "GET", path: "/runs/events", auth: "bearer-or-query", body: "none" },
  { method: "GET", path: "/runs/:id", auth: "bearer", body: "none", weight: 2 },
  { method: "GET", path: "/runs/:id/results", auth: "bearer", body: "none", weight: 2 },
  { method: "POST", path: "/runs/:id/cancel", auth: "bearer", body: "none", weight: 2 },
  { method: "GET", path: "/dead-letters", auth: "bearer", body: "none" },
];

/** What every served process answers: liveness and readiness. */
export const HEALTH_ROUTES: readonly Route[] = [
  { method: "GET", path: "/healthz", auth: "none", body: "none" },
  { method: "GET", path: "/readyz", auth: "none", body: "none" },
];

/** The embedded stack's own routes besides the api and the webhooks. */
export const STACK_ROUTES: readonly Route[] = [
  { method: "GET", path: "/readyz", auth: "none", body: "none" },
  { method: "GET", path: "/metrics", auth: "none", body: "none" },
  { method: "POST", path: "/broker/default", auth: "none", body: "cloudevent", weight: 2 },
];

/** A CloudEvent function's one route: functions-framework takes events at any path. */
export const EVENT_ROUTES: readonly Route[] = [
  { method: "POST", path: "/", auth: "none", body: "cloudevent", weight: 6 },
];

/**
 * The same route when the function requires the broker's token (compose's BROKER_TOKEN): the
 * token right in most cases, wrong or missing in the rest.
 */
export const TOKEN_EVENT_ROUTES: readonly Route[] = [
  { method: "POST", path: "/", auth: "broker-bearer", body: "cloudevent", weight: 6 },
];

/** The broker ingress, on the embedded stack's internal listener or a standalone broker. */
export const BROKER_ROUTES: readonly Route[] = [
  { method: "POST", path: "/broker/default", auth: "broker-bearer", body: "cloudevent", weight: 8 },
];
