/** `backopper sync`: apply the changes `backopper plan` shows, exactly as the Lambda does. */
import { createSyncCommand } from './sync-command';

/** The `sync` command. */
export const syncCommand = createSyncCommand({
  name: 'sync',
  summary: 'Reconcile the schedules with the app lists now (what the sync Lambda does every few minutes).',
  dryRun: false,
});
