/** `backopper plan`: what a sync would create, update and delete, with reasons; changes nothing. */
import { createSyncCommand } from './sync-command';

/** The `plan` command. */
export const planCommand = createSyncCommand({
  name: 'plan',
  summary: 'Show what a sync would create, update and delete (dry run: reads only).',
  dryRun: true,
});
