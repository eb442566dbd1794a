import type { Agency } from '../../db/agencies';
import type { Procedure } from '../../db/procedures';

/** What the picker partial (templates/views/partials/picker.hbs) lists: options under group labels. */
export interface PickerGroup {
  label: string;
  options: { value: string; label: string; selected: boolean }[];
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, 'vi');

/**
 * A value the list does not hold (an old link, a typed address) stays on the screen as its code,
 * so that the form shows what was asked for next to the message that refuses it.
 */
function keepUnknown(groups: PickerGroup[], selected: string): PickerGroup[] {
  const known = groups.some((g) => g.options.some((o) => o.selected));
  return selected && !known ? [{ label: 'Đang chọn', options: [{ value: selected, label: selected, selected: true }] }, ...groups] : groups;
}

/** Agencies by their names, provincial ones first then wards and communes, as staff know them. */
export function agencyPicker(agencies: readonly Agency[], selected: string): PickerGroup[] {
  const option = (a: Agency) => ({ value: a.code, label: a.name, selected: a.code === selected });
  const groups = [
    { label: 'Cấp tỉnh', options: agencies.filter((a) => a.level !== 'commune').sort(byName).map(option) },
    { label: 'Cấp xã, phường', options: agencies.filter((a) => a.level === 'commune').sort(byName).map(option) },
  ].filter((g) => g.options.length > 0);
  return keepUnknown(groups, selected);
}

/**
 * Procedures by name under their field (lĩnh vực), as the national catalogue groups them; with
 * an agency chosen, only the procedures that agency decides (and those shared by every agency),
 * so that the list stays short without any script.
 */
export function procedurePicker(procedures: readonly Procedure[], agency: Agency | undefined, selected: string): PickerGroup[] {
  const fields = new Map<string, Procedure[]>();
  for (const p of procedures) {
    if (agency && p.agencyId !== null && p.agencyId !== agency.id) continue;
    fields.set(p.field, [...(fields.get(p.field) ?? []), p]);
  }
  const groups = [...fields.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'vi'))
    .map(([field, list]) => ({ label: field, options: list.sort(byName).map((p) => ({ value: p.code, label: p.name, selected: p.code === selected })) }));
  return keepUnknown(groups, selected);
}
