/**
 * What is due to happen at which virtual instant: a binary min-heap keyed by epoch ms. Equal
 * instants come out in the order they went in, so a replay with the same seed does the same
 * things in the same order.
 */
export class Agenda<T> {
  private readonly heap: { at: number; seq: number; item: T }[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, item });
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  /** The earliest instant in the agenda, or null when it is empty. */
  nextAt(): number | null {
    return this.heap.length ? this.heap[0].at : null;
  }

  /** Removes and returns, in order, everything due at or before `now`. */
  takeDue(now: number): { at: number; item: T }[] {
    const due: { at: number; item: T }[] = [];
    while (this.heap.length && this.heap[0].at <= now) {
      const top = this.pop();
      due.push({ at: top.at, item: top.item });
    }
    return due;
  }

  private pop(): { at: number; seq: number; item: T } {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as (typeof h)[number];
    if (h.length) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
}
