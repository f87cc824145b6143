import { describe, expect, it } from '@jest/globals';
import { Command, Event, registerMessages } from '../../messaging/message.js';
import { defineSaga, fail } from './saga-definition.js';
import { applyDeadline, applyFailure, applyPoison, applyReply, resumeFailed, resumePoisoned, retryDelayMs, startSaga, type Decision } from './saga-transition.js';

class Act extends Command<{ step: string }> {
  static readonly type = 'test.Act';
}
class Undo extends Command<{ step: string }> {
  static readonly type = 'test.Undo';
}
class Done extends Event<object> {
  static readonly type = 'test.Done';
}
class No extends Event<object> {
  static readonly type = 'test.No';
}
registerMessages(Act, Undo, Done, No);

type D = { n: number };
const step = (name: string) => ({
  name,
  invoke: () => new Act({ step: name }),
  compensate: () => new Undo({ step: name }),
  onReply: { [Done.type]: (d: D) => ({ n: d.n + 1 }), [No.type]: fail<D>('NO') },
});
const saga = defineSaga<D>({
  type: 'test',
  steps: [step('a'), step('b'), { name: 'final', invoke: () => new Act({ step: 'final' }), onReply: { [Done.type]: (d: D) => d } }],
});
const reply = (d: Decision<D>, cls: typeof Done | typeof No) => new cls({}).causedBy(d.next!.command);
const error = { kind: 'ERROR' as const, message: 'boom' };
const timeout = { kind: 'TIMEOUT' as const, message: 'no reply within 100 ms' };

describe('saga transitions on technical failures', () => {
  it('retries the same command (same message id) until the attempts run out', () => {
    const start = startSaga(saga, { n: 0 });
    const retry = applyFailure(saga, start.state, error, 3);
    expect(retry.next).toMatchObject({ step: 'a', action: 'execute', attempt: 2 });
    expect(retry.next!.command.meta.messageId).toBe(start.next!.command.meta.messageId);
    expect(retry.finished).toEqual([{ step: 'a', action: 'execute', status: 'FAILED', message: 'ERROR: boom' }]);
    const third = applyFailure(saga, retry.state, error, 3);
    expect(third.state.attempt).toBe(3);
    const done = applyReply(saga, third.state, reply(third, Done));
    expect(done.state).toMatchObject({ status: 'RUNNING', step: 1, attempt: 1 });
  });

  it('past its attempts, a step is compensated itself too, since it may have happened', () => {
    const start = startSaga(saga, { n: 0 });
    const atB = applyReply(saga, start.state, reply(start, Done));
    const gaveUp = applyFailure(saga, { ...atB.state, attempt: 3 }, timeout, 3);
    expect(gaveUp.state).toMatchObject({ status: 'COMPENSATING', step: 1, failureReason: 'B_TIMED_OUT' });
    expect(gaveUp.next).toMatchObject({ step: 'b', action: 'compensate', attempt: 1 });
    expect(gaveUp.next!.command).toBeInstanceOf(Undo);
  });

  it('a business "no" is never retried and its step is not compensated', () => {
    const start = startSaga(saga, { n: 0 });
    const atB = applyReply(saga, start.state, reply(start, Done));
    const no = applyReply(saga, atB.state, reply(atB, No));
    expect(no.next).toMatchObject({ step: 'a', action: 'compensate' });
  });

  it('a compensation that keeps failing leaves the saga FAILED; a person resumes it; a late success also resumes it', () => {
    const start = startSaga(saga, { n: 0 });
    const atB = applyReply(saga, start.state, reply(start, Done));
    const comp = applyReply(saga, atB.state, reply(atB, No)); // compensating a
    const retried = applyFailure(saga, comp.state, error, 2);
    expect(retried.next).toMatchObject({ action: 'compensate', attempt: 2 });
    const failed = applyFailure(saga, retried.state, error, 2);
    expect(failed.state).toMatchObject({ status: 'FAILED', lastError: 'ERROR: boom', awaiting: comp.next!.command.meta.messageId });
    expect(failed.next).toBeUndefined();

    const resumed = resumeFailed(saga, failed.state);
    expect(resumed.state).toMatchObject({ status: 'COMPENSATING', attempt: 1 });
    expect(resumed.next!.command.meta.messageId).toBe(comp.next!.command.meta.messageId);
    expect(applyReply(saga, resumed.state, reply(resumed, Done)).state.status).toBe('COMPENSATED');
    expect(applyReply(saga, failed.state, new Done({}).causedBy(comp.next!.command)).state.status).toBe('COMPENSATED');
  });

  it('a step past the point of no return is retried whatever the limit, and the deadline spares it', () => {
    let d = startSaga(saga, { n: 0 });
    d = applyReply(saga, d.state, reply(d, Done));
    d = applyReply(saga, d.state, reply(d, Done)); // at final, which has no compensation
    expect(d.next!.step).toBe('final');
    const retried = applyFailure(saga, { ...d.state, attempt: 99 }, timeout, 3);
    expect(retried.next).toMatchObject({ step: 'final', action: 'execute', attempt: 100 });
    expect(applyDeadline(saga, d.state)).toBeNull();
  });

  it('the saga deadline compensates a saga still executing, the current step included', () => {
    const start = startSaga(saga, { n: 0 });
    const atB = applyReply(saga, start.state, reply(start, Done));
    const late = applyDeadline(saga, atB.state)!;
    expect(late.state).toMatchObject({ status: 'COMPENSATING', failureReason: 'SAGA_TIMED_OUT', step: 1 });
    expect(late.finished).toEqual([{ step: 'b', action: 'execute', status: 'FAILED', message: 'TIMEOUT: saga deadline passed' }]);
    expect(applyDeadline(saga, late.state)).toBeNull(); // compensations run to the end
  });
});

describe('saga transitions when its definition cannot handle it (a poisoned saga)', () => {
  it('is tried again below its attempts, keeping the error; then FAILED, remembering where it was', () => {
    const start = startSaga(saga, { n: 0 });
    const atB = applyReply(saga, start.state, reply(start, Done));
    const again = applyPoison(atB.state, 'step b is gone', 2, 3);
    expect(again).toEqual({ state: { ...atB.state, lastError: 'POISONED: step b is gone' }, retry: true, poisonedIn: null });
    const failed = applyPoison(atB.state, 'step b is gone', 3, 3);
    expect(failed).toEqual({ state: { ...atB.state, status: 'FAILED', lastError: 'POISONED: step b is gone' }, retry: false, poisonedIn: 'RUNNING' });
  });

  it("a person's retry resumes it where it was: the same step, status and awaited command, and the reply it held still applies", () => {
    const start = startSaga(saga, { n: 0 });
    const atB = applyReply(saga, start.state, reply(start, Done));
    const compensating = applyReply(saga, atB.state, reply(atB, No));
    for (const d of [start, compensating]) {
      const { state, poisonedIn } = applyPoison(d.state, 'boom', 1, 1);
      expect(resumePoisoned(state, poisonedIn!)).toEqual({ ...d.state, lastError: 'POISONED: boom' });
    }
    const held = reply(start, Done);
    const { state, poisonedIn } = applyPoison(start.state, 'boom', 1, 1);
    expect(applyReply(saga, resumePoisoned(state, poisonedIn!), held).state).toMatchObject({ status: 'RUNNING', step: 1, data: { n: 1 } });
    expect(() => resumePoisoned(start.state, 'RUNNING')).toThrow(/not FAILED/);
  });

  it('its attempts back off like a retry: exponential, capped, with jitter', () => {
    const config = { retryDelayMs: 100, maxRetryDelayMs: 1000 };
    expect(retryDelayMs(1, config)).toBe(0);
    expect([2, 3, 4, 9].map((n) => retryDelayMs(n, config, () => 1))).toEqual([100, 200, 400, 1000]);
    expect(retryDelayMs(3, config, () => 0)).toBe(100);
  });
});

describe('steps that are not critical', () => {
  const notify = { name: 'notify', critical: false, invoke: () => new Act({ step: 'notify' }), onReply: { [Done.type]: (d: D) => d, [No.type]: fail<D>('NOT_SENT') } };
  const withNotify = defineSaga<D>({ type: 'test-notify', steps: [step('a'), notify, step('b')] });
  /** The saga at its `notify` step, `a` done. */
  const atNotify = () => applyReply(withNotify, startSaga(withNotify, { n: 0 }).state, reply(startSaga(withNotify, { n: 0 }), Done));

  it('a "no" is recorded and the saga goes on with the next step, nothing compensated', () => {
    const at = atNotify();
    expect(at.next).toMatchObject({ step: 'notify', action: 'execute' });
    const next = applyReply(withNotify, at.state, reply(at, No));
    expect(next.finished).toEqual([{ step: 'notify', action: 'execute', status: 'FAILED', message: 'NOT_SENT' }]);
    expect(next.next).toMatchObject({ step: 'b', action: 'execute', attempt: 1 });
    expect(next.state).toMatchObject({ status: 'RUNNING', failureReason: null });
  });

  it('failing past its attempts is recorded and the saga goes on; it is retried like any step before that', () => {
    const at = atNotify();
    const retry = applyFailure(withNotify, at.state, error, 2);
    expect(retry.next).toMatchObject({ step: 'notify', attempt: 2 });
    const past = applyFailure(withNotify, retry.state, timeout, 2);
    expect(past.finished).toEqual([{ step: 'notify', action: 'execute', status: 'FAILED', message: 'TIMEOUT: no reply within 100 ms' }]);
    expect(past.next).toMatchObject({ step: 'b', action: 'execute' });
    expect(past.state).toMatchObject({ status: 'RUNNING', failureReason: null, lastError: 'TIMEOUT: no reply within 100 ms' });
  });

  it("the saga's deadline passing while it runs skips it rather than compensating the saga", () => {
    const next = applyDeadline(withNotify, atNotify().state)!;
    expect(next.finished).toEqual([{ step: 'notify', action: 'execute', status: 'FAILED', message: 'TIMEOUT: saga deadline passed' }]);
    expect(next.next).toMatchObject({ step: 'b', action: 'execute' });
  });

  it('is never compensated: a later step saying no undoes the steps before it but that one', () => {
    const at = atNotify();
    const atB = applyReply(withNotify, at.state, reply(at, Done));
    const undo = applyReply(withNotify, atB.state, reply(atB, No));
    expect(undo.next).toMatchObject({ step: 'a', action: 'compensate' });
  });

  it('must have a command and no compensation', () => {
    expect(() => defineSaga<D>({ type: 'bad', steps: [{ ...notify, compensate: () => new Undo({ step: 'notify' }) }] })).toThrow(
      'bad: step notify is not critical, so it needs a command and no compensation (it is never undone)',
    );
  });
});
