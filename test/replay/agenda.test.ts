import assert from 'node:assert/strict';
import { Agenda } from '../../src/replay/agenda';

describe('replay agenda', () => {
  it('gives back what is due in time order, equal instants in the order they were added, and keeps the rest', () => {
    const agenda = new Agenda<string>();
    const items: [number, string][] = [[50, 'e'], [10, 'a'], [30, 'c1'], [20, 'b'], [30, 'c2'], [70, 'g'], [30, 'c3'], [60, 'f']];
    for (const [at, item] of items) agenda.push(at, item);
    assert.deepEqual(agenda.takeDue(30).map((d) => d.item), ['a', 'b', 'c1', 'c2', 'c3'], 'everything due by 30, earliest first, ties in insertion order');
    assert.equal(agenda.nextAt(), 50, 'the next thing due after 30 is at 50');
    assert.deepEqual(agenda.takeDue(49), [], 'nothing is due between 31 and 49');
    assert.deepEqual(agenda.takeDue(1000).map((d) => d.item), ['e', 'f', 'g']);
    assert.equal(agenda.size, 0);
  });

  it('orders thousands of random instants like a sort would', () => {
    const agenda = new Agenda<number>();
    const ats = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1000);
    ats.forEach((at, i) => agenda.push(at, i));
    const out = agenda.takeDue(1000);
    assert.deepEqual(out.map((d) => d.at), [...ats].sort((a, b) => a - b), 'instants come out sorted');
  });
});
