import { describe, expect, it } from 'vitest';
import type { ActualSchedule, Definition, DesiredSchedule } from '../../../control/sync/backends/types';
import type { ScheduleSpec } from '../../../control/sync/desired-schedules';
import { guardMassDelete, planScheduleChanges, type PlanInput, type SchedulePlan } from '../../../control/sync/plan';

const desired = (name: string, definition: Definition = { expression: name }): DesiredSchedule => ({
  name,
  app: name,
  definition,
  spec: {} as ScheduleSpec,
});
const actual = (name: string, definition: Definition = { expression: name }): ActualSchedule => ({
  name,
  app: name,
  definition,
});

// A plan reduced to names (and reasons where they matter), for compact tables.
const outline = (plan: SchedulePlan) => ({
  create: plan.create.map((c) => c.name),
  update: plan.update.map((c) => `${c.name} (${c.changed.join(', ')})`),
  remove: plan.remove.map((c) => `${c.name}: ${c.reason}`),
  unchanged: plan.unchanged,
  kept: plan.kept.map((c) => c.name),
  conflicts: plan.conflicts.map((c) => c.name),
});
const none = { create: [], update: [], remove: [], unchanged: [], kept: [], conflicts: [] };

describe('planScheduleChanges', () => {
  const cases: [string, PlanInput, Partial<ReturnType<typeof outline>>][] = [
    ['nothing desired, nothing there', { desired: [], actual: [] }, {}],
    ['a new app is created', { desired: [desired('b'), desired('a')], actual: [] }, { create: ['a', 'b'] }],
    [
      'an equal definition is unchanged, whatever the key order',
      {
        desired: [desired('a', { x: 1, y: { p: 1, q: 2 } })],
        actual: [actual('a', { y: { q: 2, p: 1 }, x: 1 })],
      },
      { unchanged: ['a'] },
    ],
    [
      'a different definition is updated, naming the fields',
      {
        desired: [desired('a', { expression: 'cron(1 2 * * ? *)', target: { input: 'x', role: 'r' } })],
        actual: [actual('a', { expression: 'cron(5 2 * * ? *)', target: { input: 'y', role: 'r' } })],
      },
      { update: ['a (expression, target.input)'] },
    ],
    [
      'a field added by hand is drift',
      {
        desired: [desired('a', { expression: 'e' })],
        actual: [actual('a', { expression: 'e', endDate: '2030-01-01' })],
      },
      { update: ['a (endDate)'] },
    ],
    [
      'an app gone from the list is deleted',
      { desired: [], actual: [actual('a')] },
      { remove: ['a: app no longer in the list'] },
    ],
    [
      'a disabled app is deleted with that reason',
      {
        desired: [],
        actual: [actual('a')],
        disabled: new Set(['a']),
      },
      { remove: ['a: frequency is none/disabled'] },
    ],
    [
      'an app with an invalid entry is kept as it is',
      {
        desired: [],
        actual: [actual('a', { expression: 'old' })],
        keep: new Set(['a']),
      },
      { kept: ['a'] },
    ],
    [
      'a name taken by a foreign schedule is a conflict, never a create',
      {
        desired: [desired('a'), desired('b')],
        actual: [],
        foreign: ['a', 'zzz'],
      },
      { create: ['b'], conflicts: ['a'] },
    ],
    [
      'all at once, sorted',
      {
        desired: [desired('d'), desired('c', { v: 2 }), desired('b')],
        actual: [actual('e'), actual('c', { v: 1 }), actual('b'), actual('a')],
      },
      {
        create: ['d'],
        update: ['c (v)'],
        unchanged: ['b'],
        remove: ['a: app no longer in the list', 'e: app no longer in the list'],
      },
    ],
  ];
  it.each(cases)('%s', (_, input, expected) => {
    expect(outline(planScheduleChanges(input))).toEqual({ ...none, ...expected });
  });
});

describe('guardMassDelete', () => {
  const planRemoving = (count: number) =>
    planScheduleChanges({ desired: [], actual: Array.from({ length: count }, (_, i) => actual(`s${i}`)) });
  const cases: [
    string,
    number,
    number,
    { maxDeleteFraction: number; allowMassDelete: boolean },
    'pass' | 'warn' | 'block',
  ][] = [
    ['no deletions', 0, 10, { maxDeleteFraction: 0.5, allowMassDelete: false }, 'pass'],
    ['exactly half', 3, 6, { maxDeleteFraction: 0.5, allowMassDelete: false }, 'pass'],
    ['more than half', 4, 6, { maxDeleteFraction: 0.5, allowMassDelete: false }, 'block'],
    ['the only schedule', 1, 1, { maxDeleteFraction: 0.5, allowMassDelete: false }, 'block'],
    ['everything, allowed', 6, 6, { maxDeleteFraction: 0.5, allowMassDelete: true }, 'warn'],
    ['fraction 1 never blocks', 6, 6, { maxDeleteFraction: 1, allowMassDelete: false }, 'pass'],
    ['fraction 0 blocks any deletion', 1, 100, { maxDeleteFraction: 0, allowMassDelete: false }, 'block'],
  ];
  it.each(cases)('%s', (_, removing, managed, options, outcome) => {
    const plan = planRemoving(removing);
    const result = guardMassDelete(plan, managed, options);
    if (outcome === 'block') {
      expect(result.plan.remove).toEqual([]);
      expect(result.blocked).toHaveLength(removing);
      expect(result.message).toMatch(
        new RegExp(`^mass-delete guard: this run would delete ${removing} of ${managed} schedules`),
      );
    } else {
      expect(result.plan.remove).toHaveLength(removing);
      expect(result.blocked).toEqual([]);
      expect(result.message === undefined).toBe(outcome === 'pass');
    }
  });
});
