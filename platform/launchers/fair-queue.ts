// One FIFO queue per key, served round-robin, so a small run is not stuck behind a huge one.

/**
 * Items queued under keys (run ids), taken one at a time in rotation over the keys: each
 * {@link shift} takes the front item of the next key, so keys share the slots equally
 * whatever their length. A key that has not been served since it entered goes first,
 * in arrival order, so a run launched behind a huge one starts at the next free slot;
 * after its first item it joins the back of the rotation. Served keys take turns, least
 * recently served first (docs/decisions/0023-fair-local-scheduling.md).
 * @example
 * const q = new FairQueue<string>();
 * q.push("a", "a0"); q.push("a", "a1"); q.push("b", "b0");
 * q.shift(); q.shift(); q.shift(); // "a0", "b0", "a1"
 */
export class FairQueue<T> {
  readonly #queues = new Map<string, T[]>();
  /** Keys with items, not served since they entered, oldest first. */
  #fresh: string[] = [];
  /** Keys with items, served before, least recently served first. */
  #rotation: string[] = [];
  #size = 0;

  /** Items over all keys. */
  get size(): number {
    return this.#size;
  }

  /** Whether `key` has items waiting. */
  has(key: string): boolean {
    return this.#queues.has(key);
  }

  /** Adds `item` at the back of `key`'s queue. */
  push(key: string, item: T): void {
    this.#queueOf(key).push(item);
    this.#size++;
  }

  /** Adds `item` at the front of `key`'s queue: next for its key, without jumping other keys. */
  unshift(key: string, item: T): void {
    this.#queueOf(key).unshift(item);
    this.#size++;
  }

  /** Takes the front item of the next key in rotation, or undefined when empty. */
  shift(): T | undefined {
    const key = this.#fresh.shift() ?? this.#rotation.shift();
    if (key === undefined) return undefined;
    const queue = this.#queues.get(key)!;
    const item = queue.shift()!;
    this.#size--;
    if (queue.length > 0) this.#rotation.push(key);
    else this.#queues.delete(key);
    return item;
  }

  /** Removes and returns every item of `key`, in queue order. */
  remove(key: string): T[] {
    const queue = this.#queues.get(key);
    if (!queue) return [];
    this.#queues.delete(key);
    this.#fresh = this.#fresh.filter((k) => k !== key);
    this.#rotation = this.#rotation.filter((k) => k !== key);
    this.#size -= queue.length;
    return queue;
  }

  /** Removes and returns every item, per key in queue order. */
  clear(): Map<string, T[]> {
    const all = new Map(this.#queues);
    this.#queues.clear();
    this.#fresh = [];
    this.#rotation = [];
    this.#size = 0;
    return all;
  }

  #queueOf(key: string): T[] {
    let queue = this.#queues.get(key);
    if (!queue) {
      // A key (re-)entering has waited for nobody yet: it goes before the served keys.
      queue = [];
      this.#queues.set(key, queue);
      this.#fresh.push(key);
    }
    return queue;
  }
}
