/**
 * A new subscription's retained messages are a snapshot the broker streams while it already forwards live
 * ones, so a retained copy can arrive after a newer live message on its topic (aedes, at start-up: every
 * prober publishing while the router or `status --watch` subscribes). Once a live message came on a topic,
 * a retained copy of it is stale (or the same message again): not to be applied. Pure; one per subscription
 * (or per client with one subscription), reset on every (re)connect, when the broker sends the snapshot again.
 */
export class RetainedGuard {
  readonly #live = new Set<string>();

  /** Whether to apply this message: false for a retained copy of a topic that already had a live message. */
  accept(topic: string, retain: boolean): boolean {
    if (!retain) {
      this.#live.add(topic);
      return true;
    }
    return !this.#live.has(topic);
  }

  /** A (re)connect: the retained snapshot that follows is current again. */
  reset(): void {
    this.#live.clear();
  }
}
