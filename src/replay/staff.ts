/**
 * How the province's staff answer what Hẹn Lại puts in front of them, as a documented model
 * (docs/replay-parameters.md, "Staff"): the replay makes no promise about people, only about the
 * service, so the model's numbers are parameters and the report shows the before-deadline share
 * against them. Pure and seeded: the driver hands in a generator from `streamRng(seed, day,
 * STREAM.staff)` (or one per dossier) so the same seed makes the same staff decisions.
 *
 * Delays are office hours (the driver turns them into instants on the deciding agency's working
 * calendar): nobody acts on a warning at night or over Tết.
 */
import { logNormal, type Rng } from './random';
import type { ReplayParams } from './params';

export interface WarningContext {
  /** The dossier's fate: whether, left alone, it finishes after its appointment. */
  slips: boolean;
  /** Office hours from the warning to the due date. */
  officeHoursToDue: number;
}

export interface WarningResponse {
  /** Whether an officer acts on the warning at all. */
  acts: boolean;
  afterOfficeHours: number;
  /**
   * 'finish_in_time': the officer finishes the dossier before its due date (a slip rescued, or a
   * dossier that was never going to slip); 'draft_apology': the officer knows it will be late
   * and drafts the apology and new appointment ahead of the deadline.
   */
  outcome: 'finish_in_time' | 'draft_apology';
}

/**
 * An at-risk warning ("sắp đến hạn"). A share `warningActedShare` of warnings is acted on, after a
 * log-normal delay. Acting on a slipping dossier rescues it with probability `rescueShare` when
 * the officer still has time; otherwise the officer drafts the apology early. A dossier that
 * was not going to slip finishes in time either way.
 */
export function onAtRiskWarning(p: ReplayParams, rng: Rng, ctx: WarningContext): WarningResponse {
  const acts = rng.float() < p.staff.warningActedShare;
  const afterOfficeHours = logNormal(rng, p.staff.warningDelayOfficeHours);
  const rescued = rng.float() < p.staff.rescueShare;
  if (!acts) return { acts: false, afterOfficeHours: 0, outcome: ctx.slips ? 'draft_apology' : 'finish_in_time' };
  if (!ctx.slips) return { acts: true, afterOfficeHours, outcome: 'finish_in_time' };
  const inTime = afterOfficeHours < ctx.officeHoursToDue;
  return { acts: true, afterOfficeHours, outcome: inTime && rescued ? 'finish_in_time' : 'draft_apology' };
}

/** A letter waiting for the leader (an agency in 'review' mode, or a signature): approved and signed after a delay. */
export function onDraftWaiting(p: ReplayParams, rng: Rng): { afterOfficeHours: number } {
  return { afterOfficeHours: logNormal(rng, p.staff.approvalDelayOfficeHours) };
}

/** A citizen on the counter's call list (no channel reached them): called, or left on the list. */
export function onCallList(p: ReplayParams, rng: Rng): { calls: boolean; afterOfficeHours: number } {
  const calls = rng.float() < p.staff.callListCalledShare;
  const afterOfficeHours = logNormal(rng, p.staff.callDelayOfficeHours);
  return { calls, afterOfficeHours: calls ? afterOfficeHours : 0 };
}

/**
 * A remote-signing request on the signer's phone (a leader approving, or the agency's certificate
 * holder sealing at issuance). The provider lets a request wait only a few minutes, so the delay
 * is in real minutes, not office hours: a request that arrives while the signer's office is
 * closed (the watcher apologising at night) is not answered and expires, as is one answered after
 * the provider's window — the letter returns to the leader, who approves it again in office
 * hours (onDraftWaiting), and that second request is answered like the first.
 */
export function onSignatureRequest(p: ReplayParams, rng: Rng, ctx: { inOfficeHours: boolean }): { answer: 'confirm' | 'refuse' | 'none'; afterMinutes: number } {
  const draw = rng.float();
  const afterMinutes = logNormal(rng, p.staff.signatureDelayMinutes);
  if (!ctx.inOfficeHours) return { answer: 'none', afterMinutes: 0 };
  if (draw < p.staff.signatureConfirmedShare) return { answer: 'confirm', afterMinutes };
  if (draw < p.staff.signatureConfirmedShare + p.staff.signatureRefusedShare) return { answer: 'refuse', afterMinutes };
  return { answer: 'none', afterMinutes: 0 };
}

/** What the model predicts for the dossiers that would slip, as shares of them: the report's yardstick. */
export interface StaffExpectation {
  /** Finished in time thanks to the warning. */
  rescued: number;
  /** Apology drafted by an officer before the due date. */
  draftedBeforeDeadline: number;
  /** Left to the watcher once late (nobody acted, or acted after the due date). */
  apologisedAfterDeadline: number;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 on erf; error < 1.5e-7, plenty for a yardstick). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * The shares `onAtRiskWarning` gives, in closed form, for warnings that come `officeHoursToDue`
 * before the due date (an agency warning one working day ahead: about 8 + the rest of the day).
 */
export function staffExpectation(p: ReplayParams, officeHoursToDue: number): StaffExpectation {
  const { warningActedShare: acted, rescueShare, warningDelayOfficeHours: d } = p.staff;
  const sigma = Math.log(Math.max(d.p90, d.median) / d.median) / 1.2815515655446004;
  const inTime = d.median <= 0 ? 1 : sigma === 0 ? (d.median < officeHoursToDue ? 1 : 0) : normalCdf(Math.log(officeHoursToDue / d.median) / sigma);
  const rescued = acted * inTime * rescueShare;
  const draftedBeforeDeadline = acted * inTime * (1 - rescueShare);
  return { rescued, draftedBeforeDeadline, apologisedAfterDeadline: 1 - rescued - draftedBeforeDeadline };
}
