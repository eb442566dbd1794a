import assert from 'node:assert/strict';
import { AGENCIES } from '../../src/demo/catalogue';
import { agencyNameInText } from '../../src/domain/vn-format';

describe('demo catalogue: agencies as their letters must name them (NĐ 30/2020)', () => {
  it('gives each ward or commune its own place name for the place-and-date line, not the city’s', () => {
    const communes = AGENCIES.filter((a) => a.level === 'commune');
    assert.ok(communes.length > 0, 'the demo has ward/commune agencies');
    for (const a of communes) {
      const own = /(?:phường|xã)\s+(.+)$/u.exec(a.name)?.[1];
      assert.equal(a.placeName, own, `${a.name} dates its letters "${own}, ngày …", not "${a.placeName}, ngày …"`);
    }
  });

  it('writes parent agencies in normal case (the letter head puts them in capitals itself) and names each drafting unit', () => {
    for (const a of AGENCIES) {
      assert.equal(a.parentName, agencyNameInText(a.parentName), `${a.code}'s parent "${a.parentName}" is in normal case`);
      assert.ok(a.settings.draftingUnit, `${a.code} names the unit its letters are filed under ("Lưu: VT, …")`);
    }
  });
});
