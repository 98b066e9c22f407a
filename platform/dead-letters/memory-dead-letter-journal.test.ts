// MemoryDeadLetterJournal against the shared DeadLetterJournal contract.
import { runDeadLetterJournalContract } from "./dead-letter-journal.contract.ts";
import { MemoryDeadLetterJournal } from "./memory-dead-letter-journal.ts";

runDeadLetterJournalContract(
  "memory",
  async (settings) => ({ journal: new MemoryDeadLetterJournal(settings), close: async () => {} }),
  { durable: false },
);
