import assert from 'node:assert/strict';
import { typedDossierCode } from '../../src/domain/dossier';
import { maskCode } from '../../src/domain/reports';

describe('dossier codes as citizens type them and as the public board shows them', () => {
  const typed: [string, string][] = [
    ['h13.nk-260212-0007', 'H13.NK-260212-0007'],
    ['  H13.NK - 260212 - 0007 ', 'H13.NK-260212-0007'],
    ['H13.NK–260212—0007', 'H13.NK-260212-0007'],
    ['H13.NK‐260212−0007', 'H13.NK-260212-0007'],
    ['Ｈ１３．ＮＫ－２６０２１２－０００７', 'H13.NK-260212-0007'],
    ['H13.NK\u00a0260212\t0007', 'H13.NK2602120007'],
  ];
  for (const [input, code] of typed) {
    it(`reads ${JSON.stringify(input)} as ${code} (case, spaces and the kind of dash do not matter)`, () => {
      assert.equal(typedDossierCode(input), code);
    });
  }

  const masked: [string, string][] = [
    ['H13.NK-260212-0007', 'H13.NK-******-0007'],
    ['H13.01-260202-0001', 'H13.01-******-0001'],
    ['H13.TTPV-260212-0123', 'H13.TTPV-******-0123'],
    ['ORG-0001', 'OR****01'],
    ['ABCDEFGHIJ', 'ABC****HIJ'],
    ['AB', '**'],
  ];
  for (const [code, shown] of masked) {
    it(`shows ${code} on the public board as ${shown}: the receiving unit and the sequence, never the whole code`, () => {
      assert.equal(maskCode(code), shown);
      assert.notEqual(maskCode(code), code);
    });
  }
});
