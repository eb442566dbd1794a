import fs from 'node:fs';

/**
 * CPU ms used so far by this process and all its descendants (Chromium), from /proc; null
 * elsewhere. Chromium's printing happens in its own processes, which process.cpuUsage misses.
 */
export function treeCpuMs(): number | null {
  if (!fs.existsSync('/proc/self/stat')) return null;
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(f[1]));
      ticks.set(Number(entry), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // the process ended while we read
    }
  }
  const mine = (pid: number): boolean => {
    for (let p: number | undefined = pid, depth = 0; p && depth < 64; p = parent.get(p), depth++) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, t] of ticks) if (mine(pid)) total += t;
  return total * 10; // USER_HZ is 100 on Linux
}

export interface Run {
  ms: number;
  /** This process's CPU. */
  cpuMs: number;
  /** This process and Chromium's (printing), from /proc; null where there is no /proc. */
  treeMs: number | null;
}

/** Runs `work(i)` for i < n, `concurrency` at a time; wall ms, and CPU ms of this process and of its tree. */
export async function measure(n: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<Run> {
  const cpu0 = process.cpuUsage();
  const tree0 = treeCpuMs();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const tree1 = treeCpuMs();
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, treeMs: tree0 === null || tree1 === null ? null : tree1 - tree0 };
}
