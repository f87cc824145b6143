import { describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { type DeliveredRow, DeliveryContext, txOf } from './delivery-context.js';
import { Event, registerMessages } from './message.js';

class Pinged extends Event<{ n: number }> {
  static readonly type = 'test.Pinged';
}
registerMessages(Pinged);

const tx = {} as EntityManager; // never queried here
const delivered = (n: number): DeliveredRow => {
  const message = new Pinged({ n });
  return { row: { id: String(n), consumer: 'probe', destination: 'probe', type: Pinged.type, payload: message.data, meta: message.meta, attempts: 1, claimToken: `token-${n}` }, message };
};

describe('DeliveryContext', () => {
  it('is found by its command only while Delivery dispatches it, and no longer once the handler failed', async () => {
    const [row] = [delivered(1)];
    const delivery = new DeliveryContext(tx, [row], true);
    expect(DeliveryContext.of(row.message)).toBeUndefined();
    const seen = await delivery.dispatch(row.message, async () => DeliveryContext.of(row.message));
    expect(seen).toBe(delivery);
    expect(DeliveryContext.of(row.message)).toBeUndefined();
    await expect(delivery.dispatch(row.message, async () => Promise.reject(new Error('handler failed')))).rejects.toThrow('handler failed');
    expect(DeliveryContext.of(row.message)).toBeUndefined();
    expect(DeliveryContext.of(new Pinged({ n: 1 }, row.message.meta))).toBeUndefined(); // an equal message built elsewhere is not this delivery's
  });

  it('knows its rows by message, and which of them no inbox settled', () => {
    const rows = [delivered(1), delivered(2), delivered(3)];
    const delivery = new DeliveryContext(tx, rows, false);
    expect(delivery.batch).toBe(true);
    expect(new DeliveryContext(tx, [rows[0]], false).batch).toBe(false);
    expect(delivery.rowOf(rows[1].message)).toBe(rows[1]);
    expect(delivery.rowOf(new Pinged({ n: 9 }))).toBeUndefined(); // a reply applied where it was sent
    delivery.settle(rows[1].message);
    expect(delivery.unsettled()).toEqual([rows[0], rows[2]]);
    expect(txOf(delivery)).toBe(tx);
    expect(txOf(tx)).toBe(tx);
  });

  it('keeps local replies only when asked to, hands each out once, and remembers that replies were applied', () => {
    const [reply, next] = [delivered(7), delivered(8)];
    expect(new DeliveryContext(tx, [], false).keepsLocalReplies).toBe(false);
    const delivery = new DeliveryContext(tx, [], true);
    expect(delivery.takeLocalReplies()).toEqual([]);
    expect(delivery.repliedLocally).toBe(false);
    delivery.keepLocalReply(reply);
    expect(delivery.takeLocalReplies()).toEqual([reply]);
    expect(delivery.repliedLocally).toBe(true);
    delivery.keepLocalReply(next); // sent while the first was applied
    expect(delivery.takeLocalReplies()).toEqual([next]);
    expect(delivery.takeLocalReplies()).toEqual([]);
  });
});
