#!/usr/bin/env node
// The `henlai` command. TypeScript is compiled on load by tsx, so there is no build step to forget.
require('tsx/cjs');
require('./main.ts').main(process.argv).catch((err) => {
  console.error(err && err.message ? err.message : err);
  // A refused input (a file without its columns…) names each problem.
  for (const f of (err && err.fields) || []) if (f.message !== err.message) console.error(`  ${f.field}: ${f.message}`);
  process.exit(1);
});
