import type { AgencyInput } from '../../src/db/agencies';
import { DEFAULT_AGENCY_SETTINGS } from '../../src/domain/agency';

/** An agency as a repository takes it, for tests that write through the repository itself. */
export function agencyInput(code: string): AgencyInput {
  return {
    code,
    name: `Cơ quan ${code}`,
    parentName: 'UBND THÀNH PHỐ CẦN THƠ',
    placeName: 'Cần Thơ',
    letterSymbol: code,
    level: 'department',
    contactEmail: null,
    contactPhone: null,
    address: null,
    settings: DEFAULT_AGENCY_SETTINGS,
  };
}
