// A RunStore usable from the start: 503 while the database is still being opened, the real store after.
import { Unavailable } from "../http/http-errors.ts";
import type { RunStore } from "../ports.ts";
import type { Opening } from "./keep-opening.ts";

/**
 * The store `opening` will give, usable before it has: until then every call rejects with
 * {@link Unavailable} (a webhook or api request answers 503, an event goes back to the broker
 * to be redelivered), `ping` says false so readiness reports the database down, and `close`
 * stops the attempts. Afterwards each call goes to the opened store.
 *
 * A Proxy rather than a class that lists the methods: the store's port grows, and a method
 * added to it must not need a line here to work.
 */
export function openingRunStore(opening: Opening<RunStore>): RunStore {
  const notYet = () =>
    Promise.reject(new Unavailable("the database is not reachable yet; try again shortly"));
  const own: Partial<Record<keyof RunStore, unknown>> = {
    ping: async () => (opening.value ? opening.value.ping() : false),
    close: () => opening.stop(),
  };
  return new Proxy({} as RunStore, {
    get(_target, prop) {
      if (prop in own) return own[prop as keyof RunStore];
      const store = opening.value;
      // Not a thenable: `await`ing the store must not call a method that never resolves it.
      if (!store) return typeof prop === "string" && prop !== "then" ? notYet : undefined;
      const member = Reflect.get(store, prop, store);
      return typeof member === "function" ? member.bind(store) : member;
    },
  });
}
