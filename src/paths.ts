import fs from 'node:fs';
import path from 'node:path';

/**
 * Where the service finds its files, whether it runs as TypeScript from src/ (`npm start`, tests)
 * or compiled from dist/src/ (`npm run build`, production): the two trees sit at different depths,
 * so a fixed `../..` would point into dist/ for one of them.
 */

/** The folder holding package.json: the repository, or the installed package. */
export const PROJECT_ROOT = findProjectRoot(__dirname);

/** The shipped templates are not compiled: both trees read the repository's templates/. */
export const TEMPLATES_DIR = path.join(PROJECT_ROOT, 'templates');

/** Migrations beside the code that runs them: migrations/*.ts under tsx, dist/migrations/*.js compiled. */
export const MIGRATIONS_DIR = path.resolve(__dirname, '../migrations');

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}: the service cannot find its templates`);
  }
}
