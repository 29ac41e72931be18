/**
 * The pool's FIFO of waiting sends: a doubly linked list, so adding at either end, taking the head and
 * removing an aborted waiter are all O(1). An array's shift() and unshift() copy the whole array once it is
 * large, and "10,000 sends fired together" makes it large: the copying then grows with the queue, once per
 * waiter served.
 */
export interface QueueEntry<T> {
  readonly value: T;
  prev: QueueEntry<T> | undefined;
  next: QueueEntry<T> | undefined;
  queued: boolean;
}

export class WaiterQueue<T> {
  #head: QueueEntry<T> | undefined;
  #tail: QueueEntry<T> | undefined;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Adds at the back (a new waiter). */
  push(value: T): QueueEntry<T> {
    const entry: QueueEntry<T> = { value, prev: this.#tail, next: undefined, queued: true };
    if (this.#tail) this.#tail.next = entry;
    else this.#head = entry;
    this.#tail = entry;
    this.#length += 1;
    return entry;
  }

  /** Adds at the front (a waiter that was woken but found nothing keeps its place). */
  unshift(value: T): QueueEntry<T> {
    const entry: QueueEntry<T> = { value, prev: undefined, next: this.#head, queued: true };
    if (this.#head) this.#head.prev = entry;
    else this.#tail = entry;
    this.#head = entry;
    this.#length += 1;
    return entry;
  }

  /** Takes the front waiter, or undefined when the queue is empty. */
  shift(): T | undefined {
    const entry = this.#head;
    if (!entry) return undefined;
    this.remove(entry);
    return entry.value;
  }

  /** Removes an entry wherever it is; false when it already left the queue. */
  remove(entry: QueueEntry<T>): boolean {
    if (!entry.queued) return false;
    entry.queued = false;
    if (entry.prev) entry.prev.next = entry.next;
    else this.#head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#tail = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
    this.#length -= 1;
    return true;
  }

  /** Empties the queue, returning the values front to back. */
  drain(): T[] {
    const values: T[] = [];
    for (let value = this.shift(); value !== undefined; value = this.shift()) values.push(value);
    return values;
  }
}
