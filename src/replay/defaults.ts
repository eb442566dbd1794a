/**
 * The default province: the demo's Cần Thơ (src/demo/catalogue.ts — one service centre receiving
 * for five departments, three wards/communes deciding their own procedures), with the volume
 * shares, slip rates and supplement rates a replay needs. The figures it is calibrated on are
 * below; the reasoning is in docs/replay-parameters.md.
 */
import { AGENCIES, PROCEDURES, COMMUNE_WEIGHT, type DemoProcedure } from '../demo/catalogue';
import type { AgencyParams, ProcedureParams, ReplayParams } from './params';

/**
 * Weight of each agency in the province's dossiers. Wards and communes take most (civil status,
 * certified copies); land registration is the largest department.
 */
const SHARE: Record<string, number> = { TTPVHCC: 0, SXD: 0.05, STP: 0.08, SNNMT: 0.22, SYT: 0.04, SCT: 0.06, NINHKIEU: 0.27, CAIRANG: 0.17, PHONGDIEN: 0.11 };

/**
 * Late share per agency, inside the issue's 1.5–8 %. Land (SNNMT) at the top: Cần Thơ's
 * Department of Natural Resources and Environment led the city's overdue list with 1,534 online
 * dossiers (PLO, January 2024).
 */
const SLIP: Record<string, number> = { TTPVHCC: 0.015, SXD: 0.05, STP: 0.02, SNNMT: 0.08, SYT: 0.035, SCT: 0.015, NINHKIEU: 0.02, CAIRANG: 0.025, PHONGDIEN: 0.03 };

/** Supplement rounds: land and construction dossiers come back for papers far more than civil status ones. */
function supplementRate(p: DemoProcedure): number {
  if (p.field === 'Đất đai') return 0.25;
  if (p.field === 'Hoạt động xây dựng') return 0.3;
  if (p.unit === 'same_day') return 0.04;
  return 0.12;
}

function procedureParams(p: DemoProcedure): ProcedureParams {
  return {
    code: p.code,
    name: p.name,
    field: p.field,
    processing: p.unit === 'days' ? { days: p.amount } : p.unit === 'hours' ? { hours: p.amount } : { sameDayCutoff: '15:00' },
    supplementPolicy: p.policy,
    supplementRate: supplementRate(p),
    supplementRounds: [0.8, 0.15, 0.05],
    share: p.weight,
    applicants: p.applicants,
    extensionDays: p.extensionDays,
    delayReason: p.delayReason,
  };
}

export const DEFAULT_AGENCIES: AgencyParams[] = AGENCIES.map((a) => {
  const commune = a.code in COMMUNE_WEIGHT;
  const procedures = PROCEDURES.filter((p) => (commune ? p.agencyCode === null : p.agencyCode === a.code)).map(procedureParams);
  return {
    code: a.code,
    name: a.name,
    level: a.level,
    parentName: a.parentName,
    placeName: a.placeName,
    letterSymbol: a.letterSymbol,
    signerName: a.settings.signerName,
    signerTitle: a.settings.signerTitle,
    apologyMode: a.settings.apologyMode,
    apologyLeadWorkingDays: a.settings.apologyLeadWorkingDays,
    officeHours: a.settings.officeHours,
    ...(a.level === 'department' ? { receivedBy: 'TTPVHCC' } : {}),
    slipRate: SLIP[a.code] ?? 0.03,
    share: SHARE[a.code] ?? 0,
    procedures,
  };
});

export const DEFAULT_CALIBRATION: ReplayParams['calibration'] = {
  source:
    'UBND thành phố Cần Thơ, "Kết quả công tác kiểm soát thủ tục hành chính quý I năm 2019" (09/04/2019): 169.055 hồ sơ, ' +
    '156.435 đã giải quyết (3.076 quá hạn), 14.442 đang giải quyết (6.727 quá hạn). UBND tỉnh Nghệ An, Công văn ' +
    '10627/UBND-KSTT (13/12/2023): hồ sơ trực tuyến quá hạn chiếm 8,2%. PLO (01/2024): Sở TN&MT Cần Thơ có 1.534 hồ sơ ' +
    'trực tuyến quá hạn trên Cổng Dịch vụ công quốc gia.',
  figures: {
    canThoQ1_2019Received: 169_055,
    canThoQ1_2019Resolved: 156_435,
    canThoQ1_2019ResolvedLate: 3_076,
    canThoQ1_2019Pending: 14_442,
    canThoQ1_2019PendingOverdue: 6_727,
    canThoYearlyEstimate: 169_055 * 4,
    ngheAn2023OnlineOverdueShare: 0.082,
  },
};
