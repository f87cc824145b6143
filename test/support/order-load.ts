import { setTimeout as sleep } from 'node:timers/promises';

export interface PlacedOrder {
  key: string;
  id: string;
  sagaId: string;
}

/**
 * Places `total` orders, `concurrency` at a time, like a careful client: each has its own
 * Idempotency-Key, and a failure (connection refused, reset, 5xx) is retried with the same key
 * on whichever instance `targets()` names next, so a crash never makes a second order.
 */
export class OrderLoad {
  readonly placed: PlacedOrder[] = [];
  readonly done: Promise<PlacedOrder[]>;
  private next = 0;

  constructor(
    private readonly targets: () => string[],
    private readonly total: number,
    concurrency: number,
    private readonly body: (i: number) => object,
    private readonly keyPrefix: string,
  ) {
    this.done = Promise.all(Array.from({ length: concurrency }, () => this.worker())).then(() => this.placed);
  }

  private async worker(): Promise<void> {
    while (this.next < this.total) {
      const i = this.next++;
      this.placed.push(await this.place(i));
    }
  }

  private async place(i: number): Promise<PlacedOrder> {
    const key = `${this.keyPrefix}-${i}`;
    const deadline = Date.now() + 60_000;
    for (let attempt = 0; ; attempt++) {
      const targets = this.targets();
      const url = targets[(i + attempt) % targets.length];
      try {
        const res = await fetch(`${url}/api/v1/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(this.body(i)),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 201) {
          const order = (await res.json()) as { id: string; sagaId: string };
          return { key, id: order.id, sagaId: order.sagaId };
        }
        if (res.status < 500) throw new Error(`order ${key}: HTTP ${res.status} ${await res.text()}`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith(`order ${key}`)) throw error; // a 4xx is a bug, not a crash
      }
      if (Date.now() > deadline) throw new Error(`order ${key} could not be placed`);
      await sleep(100);
    }
  }
}
