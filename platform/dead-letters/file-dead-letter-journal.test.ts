// FileDeadLetterJournal against the shared contract, plus its file layout and what it does with debris.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test-support/temp-dir.ts";
import { ManualClock } from "../memory/manual-clock.ts";
import { letterFor, runDeadLetterJournalContract } from "./dead-letter-journal.contract.ts";
import { deadLetterId, JournalEntry } from "./dead-letter-journal.ts";
import { CORRUPT_SUFFIX, FileDeadLetterJournal } from "./file-dead-letter-journal.ts";

runDeadLetterJournalContract("file", async (settings) => {
  const dir = tempDir("zixly-journal-");
  const open = () => FileDeadLetterJournal.open({ dir, ...settings });
  return { journal: await open(), reopen: open, close: async () => {} };
});

describe("FileDeadLetterJournal", () => {
  let root: string;
  let clock: ManualClock;
  beforeEach(() => {
    root = tempDir("zixly-journal-");
    clock = new ManualClock();
  });

  it("creates its folder, nested, and writes one JSON file per letter named by time and id", async () => {
    const dir = join(root, "data", "dead-letters");
    const journal = await FileDeadLetterJournal.open({ dir, now: clock.now });
    const letter = letterFor("e-1");
    await journal.append(letter);
    const name = `${String(clock.now()).padStart(15, "0")}-${deadLetterId(letter)}.json`;
    expect(await readdir(dir)).toEqual([name]);
    const entry = JournalEntry.parse(JSON.parse(await readFile(join(dir, name), "utf8")));
    expect(entry).toMatchObject({ v: 1, id: deadLetterId(letter), letter });
  });

  it("skips temporary files a crash left behind", async () => {
    const journal = await FileDeadLetterJournal.open({ dir: root, now: clock.now });
    const name = `${String(clock.now()).padStart(15, "0")}-${"a".repeat(64)}.json`;
    await writeFile(join(root, `.${name}.0000.tmp`), '{"half":');
    expect(await journal.count()).toBe(0);
    expect(await journal.take(10)).toEqual([]);
  });

  it("sets a file that is not an entry aside as *.corrupt and hands out the others", async () => {
    const journal = await FileDeadLetterJournal.open({ dir: root, now: clock.now });
    const bad = `${String(clock.now()).padStart(15, "0")}-${"b".repeat(64)}.json`;
    await writeFile(join(root, bad), "not json");
    clock.advance(1);
    await journal.append(letterFor("good"));
    expect((await journal.take(10)).map((t) => t.letter.eventId)).toEqual(["good"]);
    expect((await readdir(root)).sort()).toContain(`${bad}${CORRUPT_SUFFIX}`);
    expect(await journal.count()).toBe(1);
  });
});
