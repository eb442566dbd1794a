#!/usr/bin/env node
// The `henlai` command. In production (NODE_ENV=production) it runs the JavaScript compiled by
// `npm run build` into dist/, never TypeScript compiled on load: no compiler in the running
// service, a faster start and less memory. Anywhere else (`npm start`, the tests) tsx compiles
// src/ on load, so the demo has no build step to forget.
const fs = require('node:fs');
const path = require('node:path');

function load() {
  if (process.env.NODE_ENV === 'production') {
    const compiled = path.resolve(__dirname, '../dist/src/main.js');
    if (!fs.existsSync(compiled)) {
      // One JSON line like every other line a service prints (see asService in main.ts).
      const msg = `NODE_ENV=production runs the compiled JavaScript and ${compiled} is missing: run \`npm run build\` first`;
      console.error(JSON.stringify({ level: 60, time: Date.now(), service: 'henlai', msg }));
      process.exit(1);
    }
    // Stack traces in the log name the TypeScript lines (the build writes source maps).
    process.setSourceMapsEnabled(true);
    return require(compiled);
  }
  require('tsx/cjs');
  return require('./main.ts');
}

load().main(process.argv).catch((err) => {
  console.error(err && err.message ? err.message : err);
  // A refused input (a file without its columns…) names each problem.
  for (const f of (err && err.fields) || []) if (f.message !== err.message) console.error(`  ${f.field}: ${f.message}`);
  // An error may carry its own code: a replay stopped by Ctrl-C exits 130, as shells expect.
  process.exit(err && Number.isInteger(err.exitCode) ? err.exitCode : 1);
});
