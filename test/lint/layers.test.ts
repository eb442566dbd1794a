import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Lints one in-memory source as if it stood at `file`, with the project's own configuration —
 * less its type-aware rules, which need the file on disk and a TypeScript program (slow).
 */
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
  },
});

async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => m.message);
}

// The layers of design.md, as `npm run lint` (and so CI) enforces them: an upward import fails.
describe('lint: layer boundaries', function () {
  this.timeout(30_000);

  it('refuses an upward import: the domain importing a use case', async () => {
    const errors = await boundaryErrors(
      'src/domain/upward.ts',
      "import { DossierService } from '../services/dossiers';\nexport const x: unknown = DossierService;\n",
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0], /"domain" to elements of type "services"/);
  });

  it('refuses the domain the clock, and a repository a use case', async () => {
    assert.equal((await boundaryErrors('src/domain/upward.ts', "import { systemClock } from '../clock';\nexport const x: unknown = systemClock;\n")).length, 1);
    assert.equal(
      (await boundaryErrors('src/db/upward.ts', "import type { DossierView } from '../services/dossiers';\nexport type X = DossierView;\n")).length,
      1,
    );
  });

  it('lets the routes take the composed services and repository rows as types, not as code', async () => {
    const types = "import type { Services } from '../../compose';\nimport type { Agency } from '../../db/agencies';\nexport type X = [Services, Agency];\n";
    assert.deepEqual(await boundaryErrors('src/http/api/layer.ts', types), []);
    const values = "import { buildServices } from '../../compose';\nimport { AgencyRepository } from '../../db/agencies';\nexport const x: unknown = [buildServices, AgencyRepository];\n";
    assert.equal((await boundaryErrors('src/http/api/layer.ts', values)).length, 2);
  });

  it('accepts the downward imports the code makes today', async () => {
    const source = "import { authorize } from '../services/authorize';\nimport { actsFor } from '../domain/actor';\nimport { AgencyRepository } from '../db/agencies';\nimport type { Clock } from '../clock';\nexport const x: unknown = [authorize, actsFor, AgencyRepository, {} as Clock];\n";
    assert.deepEqual(await boundaryErrors('src/watch/layer.ts', source), []);
  });
  it('lets the replay drive the composed service from outside (the settings, the composition root, the workers), and nothing below it import the replay', async () => {
    const down = "import { buildServices } from '../compose';\nimport { DeadlineWatcher } from '../watch/watcher';\nimport { loadConfig } from '../config';\nexport const x: unknown = [buildServices, DeadlineWatcher, loadConfig];\n";
    assert.deepEqual(await boundaryErrors('src/replay/layer.ts', down), []);
    const up = "import { runReplay } from '../replay/run';\nexport const x: unknown = runReplay;\n";
    const errors = await boundaryErrors('src/services/upward.ts', up);
    assert.equal(errors.length, 1, 'a use case must not import the replay, which sits above it');
    assert.match(errors[0], /"services" to elements of type "replay"/);
  });
});
