// RedisDeadLetterJournal against the shared contract on a real server, plus its key layout.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  letterFor,
  runDeadLetterJournalContract,
} from "../dead-letters/dead-letter-journal.contract.ts";
import { deadLetterId } from "../dead-letters/dead-letter-journal.ts";
import { ManualClock } from "../memory/manual-clock.ts";
import { closeRedis } from "./redis-client.ts";
import { RedisDeadLetterJournal } from "./redis-dead-letter-journal.ts";
import {
  connectRedis,
  deleteKeys,
  describeWithRedis,
  REDIS_URL,
  uniquePrefix,
} from "./redis-test-support.ts";

describeWithRedis("RedisDeadLetterJournal")("RedisDeadLetterJournal", () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connectRedis(REDIS_URL!);
  });
  afterAll(async () => {
    if (redis) await closeRedis(redis);
  });

  runDeadLetterJournalContract("redis", async (settings) => {
    const keyPrefix = uniquePrefix();
    const open = async () => new RedisDeadLetterJournal(redis, { keyPrefix, ...settings });
    return { journal: await open(), reopen: open, close: () => deleteKeys(redis, keyPrefix) };
  });

  it("keeps `{prefix}letters` (id -> entry) and `{prefix}due` (id -> due ms)", async () => {
    const keyPrefix = uniquePrefix();
    const clock = new ManualClock();
    try {
      const journal = new RedisDeadLetterJournal(redis, { keyPrefix, now: clock.now });
      const letter = letterFor("e-1");
      await journal.append(letter);
      const id = deadLetterId(letter);
      expect(JSON.parse((await redis.hget(`${keyPrefix}letters`, id))!)).toMatchObject({
        v: 1,
        id,
        letter,
      });
      expect(await redis.zscore(`${keyPrefix}due`, id)).toBe(String(clock.now()));
    } finally {
      await deleteKeys(redis, keyPrefix);
    }
  });

  it("shares leases between instances: a letter one replica took is hidden from another", async () => {
    const keyPrefix = uniquePrefix();
    const clock = new ManualClock();
    try {
      const a = new RedisDeadLetterJournal(redis, { keyPrefix, now: clock.now });
      const b = new RedisDeadLetterJournal(redis, { keyPrefix, now: clock.now });
      await a.append(letterFor("e-1"));
      expect(await a.take(10)).toHaveLength(1);
      expect(await b.take(10)).toEqual([]);
    } finally {
      await deleteKeys(redis, keyPrefix);
    }
  });

  it("moves an entry that does not parse to `{prefix}corrupt` and hands out the others", async () => {
    const keyPrefix = uniquePrefix();
    const clock = new ManualClock();
    try {
      const journal = new RedisDeadLetterJournal(redis, { keyPrefix, now: clock.now });
      const bad = "b".repeat(64);
      await redis.hset(`${keyPrefix}letters`, bad, "not json");
      await redis.zadd(`${keyPrefix}due`, clock.now() - 1, bad);
      await journal.append(letterFor("good"));
      expect((await journal.take(10)).map((t) => t.letter.eventId)).toEqual(["good"]);
      expect(await redis.hget(`${keyPrefix}corrupt`, bad)).toBe("not json");
      expect(await journal.count()).toBe(1);
    } finally {
      await deleteKeys(redis, keyPrefix);
    }
  });

  it("uses `zixly:{dead-letters}:` by default, one cluster slot for both keys", async () => {
    const letter = letterFor(`e-default-${Date.now()}-${Math.random()}`);
    const id = deadLetterId(letter);
    const journal = new RedisDeadLetterJournal(redis);
    try {
      await journal.append(letter);
      expect(await redis.hexists("zixly:{dead-letters}:letters", id)).toBe(1);
      expect(await redis.zscore("zixly:{dead-letters}:due", id)).not.toBeNull();
    } finally {
      await journal.remove([id]);
    }
  });
});
