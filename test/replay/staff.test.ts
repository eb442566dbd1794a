import assert from 'node:assert/strict';
import { DEFAULT_REPLAY_PARAMS as p, loadReplayParams } from '../../src/replay/params';
import { Rng } from '../../src/replay/random';
import { onAtRiskWarning, onCallList, onDraftWaiting, onSignatureRequest, staffExpectation } from '../../src/replay/staff';

describe('replay: the staff-response model', () => {
  const N = 20_000;

  it('acts on the parameters’ share of warnings, rescues a share of the slipping dossiers in time, and drafts the apology for the rest', () => {
    const rng = new Rng(1);
    let acted = 0;
    let rescued = 0;
    for (let i = 0; i < N; i++) {
      const r = onAtRiskWarning(p, rng, { slips: true, officeHoursToDue: 1_000 });
      if (r.acts) acted++;
      if (r.outcome === 'finish_in_time') {
        assert.ok(r.acts, 'only an officer who acts can rescue a slipping dossier');
        rescued++;
      }
    }
    const want = p.staff.warningActedShare * p.staff.rescueShare;
    assert.ok(Math.abs(acted / N - p.staff.warningActedShare) < 0.015, `acted on ${acted} of ${N} warnings; the model says ${p.staff.warningActedShare}`);
    assert.ok(Math.abs(rescued / N - want) < 0.015, `rescued ${rescued} of ${N} slipping dossiers; the model says ${want.toFixed(3)}`);
  });

  it('cannot rescue a dossier when the officer acts after its due date, nor make late one that was not going to slip', () => {
    const rng = new Rng(2);
    const always = loadReplayParams(undefined, { staff: { warningActedShare: 1, rescueShare: 1 } });
    for (let i = 0; i < 2_000; i++) {
      const late = onAtRiskWarning(always, rng, { slips: true, officeHoursToDue: 0 });
      assert.equal(late.outcome, 'draft_apology', `acting after ${late.afterOfficeHours.toFixed(1)} office hours with none left must not rescue the dossier`);
      assert.equal(onAtRiskWarning(p, rng, { slips: false, officeHoursToDue: 3 }).outcome, 'finish_in_time');
    }
  });

  it('delays follow the median of the parameters, and the call list is called at its share', () => {
    const rng = new Rng(3);
    const delays = Array.from({ length: N }, () => onDraftWaiting(p, rng).afterOfficeHours).sort((a, b) => a - b);
    const median = delays[N / 2];
    assert.ok(Math.abs(median - p.staff.approvalDelayOfficeHours.median) / p.staff.approvalDelayOfficeHours.median < 0.05, `median approval delay ${median.toFixed(2)} office hours`);
    const p90 = delays[Math.floor(N * 0.9)];
    assert.ok(Math.abs(p90 - p.staff.approvalDelayOfficeHours.p90) / p.staff.approvalDelayOfficeHours.p90 < 0.08, `p90 approval delay ${p90.toFixed(2)} office hours`);
    let called = 0;
    for (let i = 0; i < N; i++) if (onCallList(p, rng).calls) called++;
    assert.ok(Math.abs(called / N - p.staff.callListCalledShare) < 0.015, `called ${called} of ${N}`);
  });

  it('answers remote-signing requests on the phone at the parameters’ shares, after a delay in minutes', () => {
    const rng = new Rng(5);
    const answers = { confirm: 0, refuse: 0, none: 0 };
    const delays: number[] = [];
    for (let i = 0; i < N; i++) {
      const r = onSignatureRequest(p, rng, { inOfficeHours: true });
      answers[r.answer]++;
      if (r.answer !== 'none') delays.push(r.afterMinutes);
    }
    const { signatureConfirmedShare: confirmed, signatureRefusedShare: refused, signatureDelayMinutes: delay } = p.staff;
    assert.ok(Math.abs(answers.confirm / N - confirmed) < 0.01, `confirmed ${answers.confirm} of ${N} requests; the model says ${confirmed}`);
    assert.ok(Math.abs(answers.refuse / N - refused) < 0.01, `refused ${answers.refuse} of ${N} requests; the model says ${refused}`);
    assert.ok(Math.abs(answers.none / N - (1 - confirmed - refused)) < 0.01, `left ${answers.none} of ${N} requests unanswered; the model says ${(1 - confirmed - refused).toFixed(3)}`);
    delays.sort((a, b) => a - b);
    const median = delays[Math.floor(delays.length / 2)];
    assert.ok(Math.abs(median - delay.median) / delay.median < 0.05, `median answer after ${median.toFixed(2)} minutes; the model says ${delay.median}`);
  });

  it('leaves unanswered a signing request that reaches the phone while the office is closed (it expires)', () => {
    const rng = new Rng(6);
    const eager = loadReplayParams(undefined, { staff: { signatureConfirmedShare: 1, signatureRefusedShare: 0 } });
    for (let i = 0; i < 500; i++) {
      assert.equal(onSignatureRequest(eager, rng, { inOfficeHours: false }).answer, 'none', 'nobody confirms a signature at night, whatever the share');
      assert.equal(onSignatureRequest(eager, rng, { inOfficeHours: true }).answer, 'confirm', 'with a confirmed share of 1 every request in office hours is confirmed');
    }
  });

  it('refuses phone shares that add up to more than one, naming the field', () => {
    assert.throws(() => loadReplayParams(undefined, { staff: { signatureConfirmedShare: 0.9, signatureRefusedShare: 0.2 } }), /staff\.signatureRefusedShare/);
  });

  it('makes the same decisions from the same seed', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    for (let i = 0; i < 100; i++) assert.deepEqual(onAtRiskWarning(p, a, { slips: true, officeHoursToDue: 8 }), onAtRiskWarning(p, b, { slips: true, officeHoursToDue: 8 }));
  });
});

describe('replay: the staff model’s expectation, the report’s yardstick', () => {
  it('agrees with the model drawn 50,000 times', () => {
    const rng = new Rng(11);
    const N = 50_000;
    const toDue = 12;
    let rescued = 0;
    let draftedBefore = 0;
    for (let i = 0; i < N; i++) {
      const r = onAtRiskWarning(p, rng, { slips: true, officeHoursToDue: toDue });
      if (r.outcome === 'finish_in_time') rescued++;
      else if (r.acts && r.afterOfficeHours < toDue) draftedBefore++;
    }
    const e = staffExpectation(p, toDue);
    assert.ok(Math.abs(rescued / N - e.rescued) < 0.01, `drawn: ${(rescued / N).toFixed(3)} rescued; expected ${e.rescued.toFixed(3)}`);
    assert.ok(Math.abs(draftedBefore / N - e.draftedBeforeDeadline) < 0.01, `drawn: ${(draftedBefore / N).toFixed(3)} drafted before the deadline; expected ${e.draftedBeforeDeadline.toFixed(3)}`);
    assert.ok(Math.abs(e.rescued + e.draftedBeforeDeadline + e.apologisedAfterDeadline - 1) < 1e-12);
  });
});
