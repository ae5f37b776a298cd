/**
 * The shell script of the weekly restore document's run step (POSIX `sh`, as root under the SSM
 * agent): the same node check and bundle check as the backup, then `backopper-agent drill --app <app>
 * --environment <env> --rotate` (the S3 copy restored into a scratch database and compared with its
 * manifest; every few weeks an older copy). The command goes to every server of the environment; a
 * server without the app folder prints a `skipped` report and exits 0.
 */
import type { AgentConfig, MediaConfig } from '../config';
import { renderMediaSecrets } from './backup-script';
import {
  type AgentCopySettings,
  renderAgentCopy,
  renderAgentRun,
  renderExports,
  mediaServerExports,
  renderMessageFunctions,
  renderNodeCheck,
  renderParameterFallbacks,
  renderParameterFetch,
  renderWorkDir,
} from './script-parts';

/** Everything the verify step needs from the stack. */
export interface VerifyScriptSettings extends AgentCopySettings {
  region: string;
  agent: AgentConfig;
  /** SecureString with BACKOPPER_DRILL_ADMIN_URL. @default - root over the socket (MariaDB), the postgres role */
  adminUrlParameter?: string;
  /** The backup bucket the drill reads the dump from and writes its record to. */
  bucket?: string;
  /** The media server: with it, each weekly drill also drills the app's newest media backup. */
  media?: MediaConfig;
}

/** The verify document's parameters that reach the script (as SSM_<name>). */
export const VERIFY_PARAMETERS = ['app', 'environment'] as const;

/** Renders the run step's script, one array entry per line. */
export function renderVerifyScript(settings: VerifyScriptSettings): string[] {
  const exports: Array<[string, string | undefined]> = [
    ['AWS_REGION', settings.region],
    ['BACKOPPER_APPS_DIR', settings.agent.appsDir],
    ['BACKOPPER_BACKUPS_DIR', settings.agent.backupsDir],
    ['BACKOPPER_BUCKET', settings.bucket],
    // Drills run at low priority beside the app (nice/ionice).
    ['BACKOPPER_PRIORITY', 'low'],
    ...mediaServerExports(settings.media),
  ];
  const drill = '"$node" "$work/backopper-agent.js" drill --app "$SSM_app" --environment "$SSM_environment" --rotate';
  return [
    'set -eu',
    'umask 077',
    ...renderParameterFallbacks(VERIFY_PARAMETERS),
    '',
    ...renderMessageFunctions(),
    ...renderExports(exports),
    // Not on this server: say so in the agent's report format and succeed, like backup --skip-absent.
    'if [ ! -d "$BACKOPPER_APPS_DIR/$SSM_app" ]; then',
    '  say "skipped: $SSM_app is not on this server (no $BACKOPPER_APPS_DIR/$SSM_app)"',
    `  printf '{"app":"%s","command":"drill","status":"skipped","error":"%s is not on this server"}\\n' "$SSM_app" "$SSM_app"`,
    '  exit 0',
    'fi',
    ...renderWorkDir(),
    '',
    ...renderNodeCheck(settings.agent.nodePath),
    '',
    ...renderAgentCopy(settings),
    '',
    'secrets_ok=1',
    ...(settings.adminUrlParameter
      ? [
          ...renderParameterFetch({
            parameter: settings.adminUrlParameter,
            into: '"$work/admin-url"',
            what: 'the drill admin URL',
          }),
          // In the agent's environment only, never on a command line.
          'if [ -s "$work/admin-url" ]; then BACKOPPER_DRILL_ADMIN_URL=$(cat "$work/admin-url"); export BACKOPPER_DRILL_ADMIN_URL; fi',
        ]
      : []),
    '',
    ...(settings.media
      ? [
          ...renderMediaSecrets(settings),
          // The media first, so the database drill's report is the last line; a failed media drill still
          // fails the command (its report, the first failed one, is what the alert quotes).
          'say "drilling the media of $SSM_app ($SSM_environment) on $(uname -n)"',
          'set +e',
          `${drill} --media`,
          'media_status=$?',
          'set -e',
        ]
      : ['media_status=0']),
    'say "drilling a backup of $SSM_app ($SSM_environment) with $("$node" --version) on $(uname -n)"',
    ...renderAgentRun(drill, { earlierStatus: 'media_status' }),
  ];
}
