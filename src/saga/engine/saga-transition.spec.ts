import { describe, expect, it } from '@jest/globals';
import { Command, Event, registerMessages } from '../../messaging/message.js';
import { defineSaga, fail } from './saga-definition.js';
import { applyDeadline, applyFailure, applyMemberFailures, applyPoison, applyReply, resumeFailed, resumePoisoned, retryDelayMs, startSaga, type Decision, type TechnicalFailure } from './saga-transition.js';

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

describe('parallel groups', () => {
  const member = (name: string, extra: object = {}) => ({ ...step(name), parallel: 'pay-and-hold', ...extra });
  const grouped = defineSaga<D>({ type: 'test-group', steps: [step('a'), member('b'), member('c'), step('d')] });
  const maxAttempts = () => 2;
  /** The saga with `a` done and the group (b ‖ c) in flight. */
  const inGroup = () => {
    const start = startSaga(grouped, { n: 0 });
    return applyReply(grouped, start.state, reply(start, Done));
  };
  const sent = (d: Decision<D>, name: string) => d.parallel!.find((s) => s.step === name)!.command;
  const answer = (d: Decision<D>, name: string, cls: typeof Done | typeof No) => new cls({}).causedBy(sent(d, name));
  const failureOf = (d: Decision<D>, name: string, failure: TechnicalFailure = timeout) => [{ messageId: sent(d, name).meta.messageId, failure }];

  it('sends every member at once, each awaited on its own', () => {
    const group = inGroup();
    expect(group.next).toBeUndefined();
    expect(group.parallel!.map((s) => `${s.step}/${s.action}#${s.attempt}`)).toEqual(['b/execute#1', 'c/execute#1']);
    expect(group.state).toMatchObject({ status: 'RUNNING', step: 1, awaiting: null });
    expect(group.state.members!.map((m) => [m.step, m.status, m.awaiting])).toEqual([
      [1, 'PENDING', sent(group, 'b').meta.messageId],
      [2, 'PENDING', sent(group, 'c').meta.messageId],
    ]);
  });

  it('goes on with the next step once every member succeeded, their data updates applied in reply order', () => {
    const group = inGroup();
    const oneDone = applyReply(grouped, group.state, answer(group, 'c', Done));
    expect(oneDone.next).toBeUndefined();
    expect(oneDone.parallel).toBeUndefined();
    expect(oneDone.answered).toEqual([{ step: 'c', action: 'execute', status: 'SUCCEEDED', message: Done.type, attempt: 1, messageId: sent(group, 'c').meta.messageId }]);
    const both = applyReply(grouped, oneDone.state, answer(group, 'b', Done));
    expect(both.answered).toMatchObject([{ step: 'b', status: 'SUCCEEDED' }]);
    expect(both.next).toMatchObject({ step: 'd', action: 'execute', attempt: 1 });
    expect(both.state).toMatchObject({ status: 'RUNNING', step: 3, data: { n: 3 }, members: undefined });
  });

  it('a member saying no while another is in flight: waits for it, then compensates the one that succeeded and the steps before, newest first, never the one that said no', () => {
    const group = inGroup();
    const no = applyReply(grouped, group.state, answer(group, 'b', No));
    expect(no.next).toBeUndefined(); // nothing undone while c may still run
    expect(no.parallel).toBeUndefined();
    expect(no.state).toMatchObject({ status: 'RUNNING', failureReason: 'NO' });
    let d = applyReply(grouped, no.state, answer(group, 'c', Done));
    const undone: string[] = [];
    while (d.next) {
      undone.push(`${d.next.step}/${d.next.action}`);
      d = applyReply(grouped, d.state, reply(d, Done));
    }
    expect(undone).toEqual(['c/compensate', 'a/compensate']);
    expect(d.state).toMatchObject({ status: 'COMPENSATED', failureReason: 'NO' });
  });

  it('a member failing past its attempts may have happened: it is compensated too, once the others settled', () => {
    const group = inGroup();
    const retried = applyMemberFailures(grouped, group.state, failureOf(group, 'c'), maxAttempts);
    const gaveUp = applyMemberFailures(grouped, retried.state, failureOf(group, 'c'), maxAttempts);
    expect(gaveUp.answered).toMatchObject([{ step: 'c', status: 'FAILED', attempt: 2, message: 'TIMEOUT: no reply within 100 ms' }]);
    expect(gaveUp.next).toBeUndefined(); // b still in flight
    expect(gaveUp.state).toMatchObject({ failureReason: 'C_TIMED_OUT' });
    const settled = applyReply(grouped, gaveUp.state, answer(group, 'b', Done));
    expect(settled.next).toMatchObject({ step: 'c', action: 'compensate' });
    const next = applyReply(grouped, settled.state, reply(settled, Done));
    expect(next.next).toMatchObject({ step: 'b', action: 'compensate' });
  });

  it("a member's retry re-sends its own command, same message id, the other member untouched", () => {
    const group = inGroup();
    const retried = applyMemberFailures(grouped, group.state, failureOf(group, 'b', error), maxAttempts);
    expect(retried.parallel).toHaveLength(1);
    expect(retried.parallel![0]).toMatchObject({ step: 'b', action: 'execute', attempt: 2 });
    expect(retried.parallel![0].command.meta.messageId).toBe(sent(group, 'b').meta.messageId);
    expect(retried.answered).toMatchObject([{ step: 'b', status: 'FAILED', message: 'ERROR: boom', attempt: 1 }]);
    expect(retried.state.members).toEqual([{ ...group.state.members![0], attempt: 2 }, group.state.members![1]]);
  });

  it('the saga deadline during a group awaits nothing more and compensates the members that may have happened, then the steps before', () => {
    const group = inGroup();
    const bDone = applyReply(grouped, group.state, answer(group, 'b', Done));
    const late = applyDeadline(grouped, bDone.state)!;
    expect(late.answered).toMatchObject([{ step: 'c', status: 'FAILED', message: 'TIMEOUT: saga deadline passed', messageId: sent(group, 'c').meta.messageId }]);
    expect(late.state).toMatchObject({ status: 'COMPENSATING', failureReason: 'SAGA_TIMED_OUT', members: undefined });
    expect(late.next).toMatchObject({ step: 'c', action: 'compensate' });
  });

  it('a member that is not critical fails alone: recorded, never compensated, the group goes through', () => {
    const notify = { name: 'n', parallel: 'pay-and-hold', critical: false, invoke: () => new Act({ step: 'n' }), onReply: { [Done.type]: (d: D) => d, [No.type]: fail<D>('NOT_SENT') } };
    const withNotify = defineSaga<D>({ type: 'test-group-notify', steps: [step('a'), member('b'), notify, step('d')] });
    const start = startSaga(withNotify, { n: 0 });
    const group = applyReply(withNotify, start.state, reply(start, Done));
    const no = applyReply(withNotify, group.state, answer(group, 'n', No));
    expect(no.answered).toMatchObject([{ step: 'n', status: 'FAILED', message: 'NOT_SENT' }]);
    expect(no.state.failureReason).toBeNull();
    expect(applyReply(withNotify, no.state, answer(group, 'b', Done)).next).toMatchObject({ step: 'd', action: 'execute' });
  });

  it('refuses members that are not consecutive, a group of one, and a critical member without a compensation', () => {
    expect(() => defineSaga<D>({ type: 'bad', steps: [member('b'), step('a'), member('c')] })).toThrow('bad: parallel group pay-and-hold needs at least two steps');
    expect(() => defineSaga<D>({ type: 'bad', steps: [member('b'), member('c'), step('a'), member('e'), member('f')] })).toThrow('bad: the steps of parallel group pay-and-hold must be consecutive');
    expect(() => defineSaga<D>({ type: 'bad', steps: [member('b'), member('c', { compensate: undefined })] })).toThrow(
      'bad: step c runs in parallel group pay-and-hold, so it needs a command and, unless it is not critical, a compensation',
    );
  });
});

describe('conditional steps', () => {
  type S = D & { ship?: boolean };
  const keeps = (name: string) => ({ ...step(name), onReply: { [Done.type]: (d: S) => ({ ...d, n: d.n + 1 }), [No.type]: fail<S>('NO') } });
  const ship = { ...keeps('ship'), when: (d: S) => d.ship === true };
  const conditional = defineSaga<S>({ type: 'test-when', steps: [keeps('a'), ship, keeps('b')] });

  it('a step whose `when` is false is passed over, unrecorded, and never compensated', () => {
    const start = startSaga(conditional, { n: 0 });
    const atB = applyReply(conditional, start.state, reply(start, Done));
    expect(atB.next).toMatchObject({ step: 'b', action: 'execute' });
    expect(atB.finished.map((f) => f.step)).toEqual(['a']);
    expect(atB.state.notDone).toEqual(['ship']);
    const no = applyReply(conditional, atB.state, reply(atB, No));
    expect(no.next).toMatchObject({ step: 'a', action: 'compensate' });
  });

  it('runs and is compensated like any step when `when` holds', () => {
    const start = startSaga(conditional, { n: 0, ship: true });
    const atShip = applyReply(conditional, start.state, reply(start, Done));
    expect(atShip.next).toMatchObject({ step: 'ship', action: 'execute' });
    const atB = applyReply(conditional, atShip.state, reply(atShip, Done));
    expect(applyReply(conditional, atB.state, reply(atB, No)).next).toMatchObject({ step: 'ship', action: 'compensate' });
  });

  it('a group member whose `when` is false is not sent, and never compensated', () => {
    const grouped = defineSaga<S>({ type: 'test-when-group', steps: [keeps('a'), { ...ship, parallel: 'g' }, { ...keeps('b'), parallel: 'g' }] });
    const start = startSaga(grouped, { n: 0 });
    const group = applyReply(grouped, start.state, reply(start, Done));
    expect(group.parallel!.map((s) => s.step)).toEqual(['b']);
    const no = applyReply(grouped, group.state, new No({}).causedBy(group.parallel![0].command));
    expect(no.next).toMatchObject({ step: 'a', action: 'compensate' });
  });
});
