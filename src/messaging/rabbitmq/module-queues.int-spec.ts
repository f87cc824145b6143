import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import { ensureRabbitMq, RABBITMQ_URL } from '../../../test/support/rabbitmq.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { loadConfig } from '../../config/app-config.js';
import type { ModuleMessage } from './module-message.js';
import { ModuleQueues, type ModuleQueuesOptions, UnroutableMessageError } from './module-queues.js';
import { RabbitMqConnection } from './rabbitmq-connection.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function aMessage(n = 1): ModuleMessage {
  const messageId = randomUUID();
  return {
    type: 'payment.ProcessPayment',
    payload: { orderId: `order-${n}`, amount: '19.99', n },
    meta: { messageId, correlationId: randomUUID(), causationId: randomUUID(), occurredAt: new Date().toISOString(), traceparent: TRACEPARENT, replyTo: 'saga' },
  };
}

const ids = (messages: ModuleMessage[]) => messages.map((m) => m.meta.messageId);

/** Every gate made, opened after each test (a failed test must not leave `stop` waiting on one). */
const gates: Array<() => void> = [];

/** A promise and its resolve, to hold an `accept` until the test lets it go. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  gates.push(open);
  return { opened, open };
}

describe('module queues on RabbitMQ', () => {
  const prefix = `saga.modules.test.${randomUUID()}`;
  let inspector: amqplib.ChannelModel;
  let broker: amqplib.Channel;
  /** Each test's connection and queues, closed after it. */
  let opened: Array<{ connection: RabbitMqConnection; queues: ModuleQueues }> = [];
  const usedModules = new Set<string>();

  /** A `ModuleQueues` on a connection of its own (to `url`), as a process has. */
  const open = (options: Partial<ModuleQueuesOptions> = {}, url = RABBITMQ_URL) => {
    const connection = new RabbitMqConnection(loadConfig({ RABBITMQ_URL: url }));
    const queues = new ModuleQueues(connection, { prefix, ...options });
    opened.push({ connection, queues });
    return queues;
  };
  /** A module name of its own for one test, so tests never share a queue. */
  const aModule = () => {
    const module = `m${usedModules.size}`;
    usedModules.add(module);
    return module;
  };
  const queueOf = (module: string) => `${prefix}.${module}`;
  /** Messages ready in the queue (not handed to a consumer) and its consumers, as the broker counts them. */
  const stats = (module: string) => broker.checkQueue(queueOf(module));

  beforeAll(async () => {
    await ensureRabbitMq();
    inspector = await amqplib.connect(RABBITMQ_URL);
    broker = await inspector.createChannel();
  });
  afterEach(async () => {
    for (const open of gates.splice(0)) open();
    for (const { connection, queues } of opened) {
      await queues.stop();
      await connection.onApplicationShutdown();
    }
    opened = [];
  });
  afterAll(async () => {
    for (const module of usedModules) await broker?.deleteQueue(queueOf(module));
    await inspector?.close();
  });

  it('send resolves once the broker has the message: persistent, in the module queue, with its type, ids and trace context', async () => {
    const queues = open();
    const module = aModule();
    const message = aMessage();
    await queues.send(module, message);

    const got = await broker.get(queueOf(module), { noAck: true }); // no wait: the confirm came after the queue took it
    expect(got).not.toBe(false);
    if (!got) return;
    expect(JSON.parse(got.content.toString())).toEqual(message);
    expect(got.properties).toMatchObject({
      messageId: message.meta.messageId,
      correlationId: message.meta.correlationId,
      type: 'payment.ProcessPayment',
      contentType: 'application/json',
      deliveryMode: 2,
      headers: { traceparent: TRACEPARENT },
    });
    expect(await stats(module)).toMatchObject({ messageCount: 0 });
  });

  it('consumes each sent message once, with type, payload and meta intact, and acks it once accepted', async () => {
    const sender = open();
    const receiver = open();
    const module = aModule();
    const accepted: ModuleMessage[] = [];
    await receiver.consume([module], async (batch) => void accepted.push(...batch));
    const sent = [aMessage(1), aMessage(2), aMessage(3)];
    await Promise.all(sent.map((m) => sender.send(module, m)));

    await waitFor('three messages accepted', async () => (accepted.length >= 3 ? true : undefined));
    await receiver.stop(); // an unacked message would go back to the queue here
    expect([...accepted].sort((a, b) => a.meta.messageId.localeCompare(b.meta.messageId))).toEqual(
      [...sent].sort((a, b) => a.meta.messageId.localeCompare(b.meta.messageId)),
    );
    expect(await stats(module)).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });

  it('rejects a message the broker returns unroutable (its queue deleted), and the next send declares the queue again', async () => {
    const queues = open();
    const module = aModule();
    await queues.send(module, aMessage(1)); // declares the queue
    await broker.deleteQueue(queueOf(module));

    const lost = aMessage(2);
    await expect(queues.send(module, lost)).rejects.toThrow(UnroutableMessageError);

    const again = aMessage(3);
    await queues.send(module, again);
    const got = await broker.get(queueOf(module), { noAck: true });
    expect(got && got.properties.messageId).toBe(again.meta.messageId);
    expect(await stats(module)).toMatchObject({ messageCount: 0 });
  });

  it('rejects a send to a queue declared elsewhere with other arguments, and goes on sending to the others', async () => {
    const queues = open();
    const odd = aModule();
    await broker.assertQueue(queueOf(odd), { durable: true, arguments: { 'x-max-length': 10 } });
    const module = aModule();
    await queues.send(module, aMessage(1));

    await expect(queues.send(odd, aMessage(2))).rejects.toThrow(/PRECONDITION.FAILED/);
    const next = aMessage(3);
    await queues.send(module, next); // on a new connection: the broker closed the channel, and amqplib the connection
    expect(await stats(odd)).toMatchObject({ messageCount: 0 });
    expect(await stats(module)).toMatchObject({ messageCount: 2 });
  });

  it('puts a batch that accept refused back in the queue, and acks it once accept succeeds', async () => {
    const sender = open();
    const receiver = open();
    const module = aModule();
    const attempts: string[] = [];
    let accepted: string[] = [];
    await receiver.consume([module], async (batch) => {
      attempts.push(...ids(batch));
      if (attempts.length < 3) throw new Error('database unavailable');
      accepted = ids(batch);
    });
    const message = aMessage();
    await sender.send(module, message);

    await waitFor('the third attempt accepted', async () => (accepted.length > 0 ? true : undefined));
    await receiver.stop();
    expect(attempts).toEqual([message.meta.messageId, message.meta.messageId, message.meta.messageId]);
    expect(accepted).toEqual([message.meta.messageId]);
    expect(await stats(module)).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });

  it('holds at most prefetch messages unacked: the rest wait in the queue while accept is busy', async () => {
    const sender = open();
    const receiver = open({ prefetch: 4 });
    const module = aModule();
    const sent = Array.from({ length: 10 }, (_, i) => aMessage(i));
    for (const m of sent) await sender.send(module, m);
    const busy = gate();
    const handed: string[] = [];
    let unresolved = 0;
    let mostUnresolved = 0;
    await receiver.consume([module], async (batch) => {
      handed.push(...ids(batch));
      unresolved += batch.length;
      mostUnresolved = Math.max(mostUnresolved, unresolved);
      await busy.opened;
      unresolved -= batch.length;
    });

    // The broker hands over 4 and keeps 6 while none is acked.
    await waitFor('the prefetch window handed over', async () => ((await stats(module)).messageCount === 6 && handed.length > 0 ? true : undefined));
    expect(handed.length).toBeLessThanOrEqual(4);
    busy.open();
    await waitFor('all ten accepted', async () => (handed.length >= 10 ? true : undefined));
    await receiver.stop();
    expect(new Set(handed)).toEqual(new Set(ids(sent)));
    expect(handed).toHaveLength(10);
    expect(mostUnresolved).toBeLessThanOrEqual(4);
    expect(await stats(module)).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });

  it('drops a malformed message (logged, not requeued) without holding up the messages behind it', async () => {
    const sender = open();
    const receiver = open();
    const module = aModule();
    await sender.send(module, aMessage(0)); // declares the queue
    await broker.purgeQueue(queueOf(module));
    const raw = await inspector.createConfirmChannel(); // a publisher that is not ours
    for (const bad of ['not json', '[]', '{"type":"payment.ProcessPayment","payload":{}}', '{"payload":{},"meta":{"messageId":"x"}}']) {
      raw.sendToQueue(queueOf(module), Buffer.from(bad), { persistent: true });
    }
    await raw.waitForConfirms();
    await raw.close();
    const good = aMessage(1);
    await sender.send(module, good);
    expect(await stats(module)).toMatchObject({ messageCount: 5 }); // four malformed ones ahead of the good one
    const accepted: ModuleMessage[] = [];
    await receiver.consume([module], async (batch) => void accepted.push(...batch));

    await waitFor('the good message accepted', async () => (accepted.length > 0 ? true : undefined));
    await receiver.stop(); // a malformed message held unacked would go back to the queue here
    expect(accepted).toEqual([good]);
    expect(await stats(module)).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });

  it('consumes a queue again when it was deleted under its consumer', async () => {
    const sender = open();
    const receiver = open();
    const module = aModule();
    const accepted: ModuleMessage[] = [];
    await receiver.consume([module], async (batch) => void accepted.push(...batch));
    await broker.deleteQueue(queueOf(module));

    // checkQueue of a missing queue closes its channel: each look on a channel of its own.
    const consumers = async () => {
      const channel = await inspector.createChannel();
      channel.on('error', () => undefined);
      const found = await channel.checkQueue(queueOf(module)).catch(() => undefined);
      if (found) await channel.close();
      return found?.consumerCount;
    };
    await waitFor('the queue declared and consumed again', async () => ((await consumers()) === 1 ? true : undefined));
    const message = aMessage();
    await sender.send(module, message);
    await waitFor('the message accepted', async () => (accepted.length > 0 ? true : undefined));
    expect(accepted).toEqual([message]);
  });

  it('stops by cancelling its consumers, then waits for the batch being accepted and acks it', async () => {
    const sender = open();
    const receiver = open();
    const module = aModule();
    const busy = gate();
    const handed: string[] = [];
    await receiver.consume([module], async (batch) => {
      handed.push(...ids(batch));
      await busy.opened;
    });
    const message = aMessage();
    await sender.send(module, message);
    await waitFor('the message handed over', async () => (handed.length > 0 ? true : undefined));

    let stopped = false;
    const stopping = receiver.stop().then(() => (stopped = true));
    await waitFor('the consumer cancelled', async () => ((await stats(module)).consumerCount === 0 ? true : undefined));
    expect(stopped).toBe(false); // still waiting for accept
    busy.open();
    await stopping;
    expect(handed).toEqual([message.meta.messageId]);
    expect(await stats(module)).toMatchObject({ messageCount: 0, consumerCount: 0 }); // acked before the channel closed
  });
});

describe('module queues when the connection is cut', () => {
  const prefix = `saga.modules.test.${randomUUID()}`;
  const module = 'payment';
  let proxy: TcpProxy;
  let inspector: amqplib.ChannelModel;
  let broker: amqplib.Channel;
  let connection: RabbitMqConnection;
  let queues: ModuleQueues;

  beforeAll(async () => {
    await ensureRabbitMq();
    const target = new URL(RABBITMQ_URL);
    proxy = await new TcpProxy(target.hostname, Number(target.port || 5672)).start();
    connection = new RabbitMqConnection(loadConfig({ RABBITMQ_URL: TcpProxy.via(RABBITMQ_URL, proxy) }));
    queues = new ModuleQueues(connection, { prefix });
    inspector = await amqplib.connect(RABBITMQ_URL); // the test sees the broker directly
    broker = await inspector.createChannel();
  });
  afterAll(async () => {
    for (const open of gates.splice(0)) open();
    await queues?.stop();
    await connection?.onApplicationShutdown();
    await proxy?.stop();
    await broker?.deleteQueue(`${prefix}.${module}`);
    await inspector?.close();
  });

  it('recovers: sends wait for the connection to come back, consumers are registered again, and nothing is lost', async () => {
    const accepted: string[] = [];
    const held = gate();
    let holding = true;
    await queues.consume([module], async (batch) => {
      if (holding) await held.opened; // the first batch is being accepted when the connection goes
      holding = false;
      accepted.push(...ids(batch));
    });
    const before = aMessage(1);
    await queues.send(module, before);
    await waitFor('the first message delivered', async () => ((await broker.checkQueue(`${prefix}.${module}`)).messageCount === 0 ? true : undefined));

    proxy.cut();
    const during = [aMessage(2), aMessage(3), aMessage(4)];
    const sending = Promise.all(during.map((m) => queues.send(module, m)));
    held.open(); // accepted, but its ack cannot reach the broker: it comes again
    await waitFor('the held batch accepted', async () => (accepted.length > 0 ? true : undefined));
    proxy.restore();

    await sending; // confirmed once the connection came back
    const everything = ids([before, ...during]);
    await waitFor('every message accepted after the reconnection', async () => (everything.every((id) => accepted.filter((a) => a === id).length >= 1) && accepted.length >= 5 ? true : undefined), 20_000);
    await queues.stop();
    expect(new Set(accepted)).toEqual(new Set(everything));
    expect(accepted.filter((id) => id === before.meta.messageId)).toHaveLength(2); // once before the cut, once redelivered
    expect(await broker.checkQueue(`${prefix}.${module}`)).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });
});
