// dev.knative.sources.ping: the tick a Knative PingSource sends on its cron schedule.
import { z } from "zod";
import { defineEvent } from "./common.ts";

/**
 * Whatever the PingSource's `spec.data` holds (JSON, text, or nothing). Consumers of the
 * tick read none of it: the event's arrival is the message.
 */
export const PingSourceData = z.unknown();

export const pingSourcePing = defineEvent("dev.knative.sources.ping", PingSourceData);
