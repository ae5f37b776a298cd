/**
 * The shell script of the media restore document's run step (POSIX `sh`, as root under the SSM agent):
 * the backup's node and bundle checks and media settings (the server holds the media key), then
 * `backopper-agent restore-media`. A server without the app folder prints a `skipped` result and exits 0.
 */
import type { AgentConfig, MediaConfig } from '../config';
import { renderMediaSecrets } from './backup-script';
import {
  type AgentCopySettings,
  mediaServerExports,
  renderAgentCopy,
  renderAgentRun,
  renderExports,
  renderMessageFunctions,
  renderNodeCheck,
  renderParameterFallbacks,
  renderWorkDir,
} from './script-parts';

export interface RestoreMediaScriptSettings extends AgentCopySettings {
  region: string;
  agent: AgentConfig;
  media: MediaConfig;
}

/** The document parameters passed to the agent, with their flags. */
export const RESTORE_MEDIA_PARAMETERS = [
  { name: 'app', flag: '--app' },
  { name: 'environment', flag: '--environment' },
  { name: 'projectType', flag: '--project-type' },
  { name: 'archive', flag: '--archive' },
  { name: 'sha256', flag: '--sha256' },
] as const;

/** Renders the run step's script, one array entry per line. */
export function renderRestoreMediaScript(settings: RestoreMediaScriptSettings): string[] {
  const { agent, media } = settings;
  const exports: Array<[string, string | undefined]> = [
    ['AWS_REGION', settings.region],
    ['BACKOPPER_APPS_DIR', agent.appsDir],
    ['BACKOPPER_TMP_DIR', agent.tmpDir],
    ...mediaServerExports(media),
  ];
  return [
    'set -eu',
    'umask 077',
    ...renderParameterFallbacks(RESTORE_MEDIA_PARAMETERS.map(({ name }) => name)),
    '',
    ...renderMessageFunctions(),
    ...renderExports(exports),
    'if [ ! -d "$BACKOPPER_APPS_DIR/$SSM_app" ]; then',
    '  say "skipped: $SSM_app is not on this server (no $BACKOPPER_APPS_DIR/$SSM_app)"',
    `  printf '{"app":"%s","command":"restore-media","status":"skipped","error":"%s is not on this server"}\\n' "$SSM_app" "$SSM_app"`,
    '  exit 0',
    'fi',
    ...renderWorkDir(),
    '',
    ...renderNodeCheck(agent.nodePath),
    '',
    ...renderAgentCopy(settings),
    '',
    'secrets_ok=1',
    ...renderMediaSecrets(settings),
    '',
    'say "restoring media archive $SSM_archive of $SSM_app ($SSM_environment) beside its live folder on $(uname -n)"',
    ...renderAgentRun(
      `"$node" "$work/backopper-agent.js" restore-media ${RESTORE_MEDIA_PARAMETERS.map(({ name, flag }) => `${flag} "$SSM_${name}"`).join(' ')}`,
    ),
  ];
}
