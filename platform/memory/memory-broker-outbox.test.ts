// MemoryBrokerOutbox against the shared BrokerOutbox contract.
import { runBrokerOutboxContract } from "../broker-outbox.contract.ts";
import { MemoryBrokerOutbox } from "./memory-broker-outbox.ts";

runBrokerOutboxContract("memory", async () => ({
  outbox: new MemoryBrokerOutbox(),
  close: async () => {},
}));
