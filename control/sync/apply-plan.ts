/**
 * Applies a plan with bounded concurrency. Every change is tried; a failed one is reported and the
 * others go on (the SDK client retries a throttled call before it counts as failed).
 */
import { describeError } from '../errors';
import type { ScheduleBackend } from './backends/types';
import type { SchedulePlan } from './plan';
import { settleConcurrently } from '../concurrency';

/** What {@link applyPlan} did. */
export interface ApplyResult {
  created: number;
  updated: number;
  deleted: number;
  /** One line per failed change: `create backopper-live-shop: ConflictException: ...`. */
  errors: string[];
}

/** Creates, updates and deletes as planned, at most `concurrency` calls in flight. */
export async function applyPlan(
  plan: SchedulePlan,
  backend: ScheduleBackend,
  concurrency: number,
): Promise<ApplyResult> {
  type Operation = { kind: 'created' | 'updated' | 'deleted'; name: string; run: () => Promise<void> };
  const operations: Operation[] = [
    ...plan.create.map((change) => ({
      kind: 'created' as const,
      name: change.name,
      run: () => backend.create(change.item),
    })),
    ...plan.update.map((change) => ({
      kind: 'updated' as const,
      name: change.name,
      run: () => backend.update(change.item, change.actual),
    })),
    ...plan.remove.map((change) => ({
      kind: 'deleted' as const,
      name: change.name,
      run: () => backend.remove(change.item),
    })),
  ];
  const results = await settleConcurrently(operations, concurrency, (operation) => operation.run());
  const applied: ApplyResult = { created: 0, updated: 0, deleted: 0, errors: [] };
  results.forEach((result, index) => {
    const operation = operations[index] as Operation;
    if (result.status === 'fulfilled') applied[operation.kind] += 1;
    else applied.errors.push(describeError(result.reason));
  });
  return applied;
}
