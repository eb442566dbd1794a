/**
 * A benchmark run by itself (`node --import tsx bench/x.bench.ts`): its figures one a line,
 * names aligned, and a failure as a non-zero exit code.
 */
export function printFigures(bench: () => Promise<Record<string, number | string>>): void {
  bench()
    .then((figures) => {
      const width = Math.max(...Object.keys(figures).map((k) => k.length)) + 1;
      for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k.padEnd(width)} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}\n`);
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
