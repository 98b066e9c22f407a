// The CloudEvent `source` of everything watch-jobs publishes: its shard.failed and the reaper's final events.
export const WATCH_JOBS_SOURCE = "/zixly/watch-jobs";
