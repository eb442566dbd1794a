import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_REPLAY_PARAMS, loadReplayParams, ReplayParamsError } from '../../src/replay/params';

describe('replay parameters: the file format', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'henlai-replay-params-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(name: string, content: unknown): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  /** The error the loader throws, or a failure saying it accepted the file. */
  function refusal(file: string): ReplayParamsError {
    try {
      loadReplayParams(file);
    } catch (e) {
      assert.ok(e instanceof ReplayParamsError, `expected a ReplayParamsError, got ${String(e)}`);
      return e;
    }
    assert.fail(`the loader accepted ${fs.readFileSync(file, 'utf8').slice(0, 200)}`);
  }

  it('accepts the shipped example file, which is the defaults', () => {
    const p = loadReplayParams(path.join(__dirname, '../../docs/replay-province.example.json'));
    assert.deepEqual(p, DEFAULT_REPLAY_PARAMS, 'docs/replay-province.example.json has drifted from DEFAULT_REPLAY_PARAMS: regenerate it');
  });

  it('fills what a file leaves out from the defaults, and applies overrides last', () => {
    const file = write('partial.json', { yearlyVolume: 120000, intake: { sources: { online: 0.7, counter: 0.3, post: 0 } } });
    const p = loadReplayParams(file, { seed: 7 });
    assert.equal(p.yearlyVolume, 120000);
    assert.equal(p.seed, 7);
    assert.deepEqual(p.intake.sources, { online: 0.7, counter: 0.3, post: 0 });
    assert.deepEqual(p.intake.weekday, DEFAULT_REPLAY_PARAMS.intake.weekday, 'the weekday profile the file did not give comes from the defaults');
  });

  it('refuses a wrong value, naming its field path', () => {
    const agencies = structuredClone(DEFAULT_REPLAY_PARAMS.agencies);
    agencies[2].slipRate = 2;
    const e = refusal(write('slip.json', { agencies }));
    assert.deepEqual(e.fields.map((f) => f.field), ['agencies[2].slipRate']);
    assert.match(e.message, /agencies\[2\]\.slipRate/, 'the message names the field');
  });

  it('refuses an unknown (mistyped) field instead of ignoring it', () => {
    const e = refusal(write('typo.json', { intake: { weekdays: [0, 1, 1, 1, 1, 1, 0] } }));
    assert.deepEqual(e.fields.map((f) => f.field), ['intake.weekdays']);
  });

  it('refuses shares that do not add up, a procedure with two time limits, and a receiving centre that does not exist', () => {
    const agencies = structuredClone(DEFAULT_REPLAY_PARAMS.agencies);
    agencies[1].procedures[0].processing = { days: 3, hours: 4 };
    agencies[1].receivedBy = 'NOWHERE';
    const e = refusal(write('many.json', { contacts: { zalo: 0.5, noZaloPhone: 0.5, email: 0.5, none: 0 }, agencies }));
    const fields = e.fields.map((f) => f.field).sort();
    assert.deepEqual(fields, ['agencies[1].procedures[0].processing', 'agencies[1].receivedBy', 'contacts']);
  });

  it("refuses a signer for an agency that is not in the catalogue, and a signer kind it does not know", () => {
    const code = refusal(write('signing-code.json', { signing: { agencies: { NOWHERE: 'off' } } }));
    assert.deepEqual(code.fields.map((f) => f.field), ['signing.agencies.NOWHERE'], 'the unknown agency code must be named');
    const kind = refusal(write('signing-kind.json', { signing: { kind: 'smartcard' } }));
    assert.deepEqual(kind.fields.map((f) => f.field), ['signing.kind'], 'the unknown signer kind must be named');
  });

  it('refuses a file that is not JSON, and one that does not exist, naming the file', () => {
    assert.match(refusal(write('bad.json', '{ seed: 1 ')).message, /không phải JSON/);
    assert.throws(() => loadReplayParams(path.join(dir, 'missing.json')), (e: unknown) => e instanceof ReplayParamsError && e.fields[0].field === 'file');
  });

  it("accepts 'manual' as the older name of the 'review' apology mode", () => {
    const agencies = structuredClone(DEFAULT_REPLAY_PARAMS.agencies) as unknown as Record<string, unknown>[];
    agencies[0].apologyMode = 'manual';
    assert.equal(loadReplayParams(write('manual.json', { agencies })).agencies[0].apologyMode, 'review');
  });
});
