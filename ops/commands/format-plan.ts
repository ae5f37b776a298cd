/**
 * Renders a sync run as the table `backopper plan` and `backopper sync` print: one block per
 * environment, one row per change, with its reason.
 */
import type { EnvironmentResult } from '../../control/sync/sync-environment';
import type { SyncSummary } from '../../control/sync/run-sync';
import { describeTiming } from '../../control/sync/slots';

/** The lines of the report (no trailing newline). */
export function formatSyncReport(summary: SyncSummary, results: readonly EnvironmentResult[]): string[] {
  const verb = summary.dryRun ? 'plan (dry run: nothing was changed)' : 'sync';
  const lines = [`backopper ${verb} · backend ${summary.backend} · ${results.length} environment(s)`];
  for (const result of results) {
    const s = result.summary;
    lines.push(
      '',
      `${s.environment} [${s.status}]  fetched ${s.fetched} · create ${s.created} · update ${s.updated} · ` +
        `delete ${s.deleted} · unchanged ${s.unchanged} · skipped ${s.skipped.length} · disabled ${s.disabled}` +
        (s.kept ? ` · kept ${s.kept}` : ''),
    );
    const rows: [string, string, string][] = [];
    const plan = result.plan;
    if (plan) {
      for (const change of plan.create) {
        const spec = change.item.spec;
        rows.push(['create', change.name, `${describeTiming(spec.timing)} ${spec.timeZone}; ${change.reason}`]);
      }
      for (const change of plan.update) rows.push(['update', change.name, change.reason]);
      for (const change of plan.remove) rows.push(['delete', change.name, change.reason]);
      for (const change of plan.kept) rows.push(['keep', change.name, change.reason]);
    }
    for (const change of result.blocked)
      rows.push(['held', change.name, `not deleted (mass-delete guard): ${change.reason}`]);
    for (const skipped of s.skipped) rows.push(['skip', skipped.app ?? '-', skipped.reason]);
    for (const error of s.errors) rows.push(['error', '-', error]);
    if (rows.length === 0) {
      lines.push('  nothing to do');
      continue;
    }
    const width = Math.max(...rows.map(([, name]) => name.length), 'SCHEDULE'.length);
    lines.push(`  ${'ACTION'.padEnd(7)} ${'SCHEDULE'.padEnd(width)}  DETAILS`);
    for (const [action, name, details] of rows) lines.push(`  ${action.padEnd(7)} ${name.padEnd(width)}  ${details}`);
  }
  lines.push(
    '',
    summary.ok
      ? 'ok'
      : `FAILED: ${summary.environments
          .filter((s) => s.status !== 'ok')
          .map((s) => `${s.environment} (${s.status})`)
          .join(', ')}`,
  );
  return lines;
}
