// On SQLite the unit and route tests run in two processes: each test context has its own database
// file, so files cannot disturb each other, and the suite takes about 40 s instead of 60 s on a
// 2-core machine. On PostgreSQL every context empties the one database the run is given, and the
// browser and process tests (test/e2e) start servers, processes and Chromium: those run one file
// at a time.
const onPostgres = /^postgres/.test(process.env.DATABASE_URL ?? '');

module.exports = {
  require: ['tsx/cjs', 'test/setup.ts'],
  extension: ['ts'],
  timeout: 20000,
  parallel: !onPostgres, // npm run test:e2e passes --no-parallel
  jobs: 2,
};
