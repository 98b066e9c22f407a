// MemoryRunStore against the shared RunStore contract.
import { runRunStoreContract } from "../run-store.contract.ts";
import { MemoryRunStore } from "./memory-run-store.ts";

runRunStoreContract("memory", async () => {
  const store = new MemoryRunStore();
  return { store, close: () => store.close() };
});
