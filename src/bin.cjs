#!/usr/bin/env node
// The `henlai` command. TypeScript is compiled on load by tsx, so there is no build step to forget.
require('tsx/cjs');
require('./main.ts').main(process.argv).catch((err) => {
  console.error(err && err.message ? err.message : err);
  process.exit(1);
});
