/**
 * Runs `fn` over `items` with at most `limit` calls in flight overall and at most `perKey` per
 * key (per node: global.yml `concurrency.per_node`). Items start in input order as far as they
 * fit: one whose node is full is passed over, not waited for, so a busy node never holds up
 * another node's containers; it starts as soon as its node has room. Results keep input order.
 */
export async function mapLimitPerKey<T, R>(
  items: readonly T[],
  limit: number,
  keyOf: (item: T) => string,
  perKey: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const waiting = items.map((_, i) => i);
  const running = new Map<string, number>();
  let inFlight = 0;
  let failed: { error: unknown } | undefined;
  return new Promise<R[]>((resolve, reject) => {
    const pump = (): void => {
      if (failed) {
        if (inFlight === 0) reject(failed.error);
        return;
      }
      for (let w = 0; w < waiting.length && inFlight < limit; ) {
        const index = waiting[w] as number;
        const key = keyOf(items[index] as T);
        if ((running.get(key) ?? 0) >= perKey) {
          w++;
          continue;
        }
        waiting.splice(w, 1);
        running.set(key, (running.get(key) ?? 0) + 1);
        inFlight++;
        fn(items[index] as T).then(
          (value) => {
            results[index] = value;
            done(key);
          },
          (error: unknown) => {
            failed ??= { error };
            done(key);
          },
        );
      }
      if (waiting.length === 0 && inFlight === 0) resolve(results);
    };
    const done = (key: string): void => {
      running.set(key, (running.get(key) ?? 1) - 1);
      inFlight--;
      pump();
    };
    pump();
  });
}
