import type { BackupConfig } from '../config/config';
import type { RunReport } from './report';

/**
 * POSTs the run report to the app-list API, as the original told its API about each backup. The
 * payload is the report plus the original's `name` and `executed` fields. Returns an error message,
 * or undefined when the API accepted it; a failed report never fails the backup.
 */
export async function postReport(
  target: NonNullable<BackupConfig['report']>,
  report: RunReport,
): Promise<string | undefined> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.secret) headers[target.secretHeader] = target.secret;
  const body = JSON.stringify({ name: report.app, executed: report.status === 'succeeded', ...report });
  try {
    const response = await fetch(target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
    if (!response.ok) return `report to ${target.url} answered ${response.status} ${response.statusText}`;
    return undefined;
  } catch (error) {
    return `report to ${target.url} failed: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`;
  }
}
