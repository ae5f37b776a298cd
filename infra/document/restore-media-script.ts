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
  { name: 'snapshot', flag: '--snapshot' },
  { name: 'path', flag: '--path' },
  { name: 'manifestFiles', flag: '--manifest-files' },
  { name: 'manifestBytes', flag: '--manifest-bytes' },
] as const;

const flagOf = (name: (typeof RESTORE_MEDIA_PARAMETERS)[number]['name']) =>
  RESTORE_MEDIA_PARAMETERS.find((parameter) => parameter.name === name)!.flag;

/**
 * Which backup the agent restores: an archive (archive and sha256) or a snapshot (snapshot, optionally
 * path, and the manifest, both counts or neither), never both, never neither; the flags as `set --`
 * words (quoted expansions: each value stays one word). Refuses any other combination before the agent runs.
 */
function renderRestoreChoice(): string[] {
  return [
    'if [ -n "$SSM_snapshot" ] && [ -z "$SSM_archive$SSM_sha256" ]; then',
    `  set -- ${flagOf('snapshot')} "$SSM_snapshot"`,
    `  if [ -n "$SSM_path" ]; then set -- "$@" ${flagOf('path')} "$SSM_path"; fi`,
    '  if [ -n "$SSM_manifestFiles" ] && [ -n "$SSM_manifestBytes" ]; then',
    `    set -- "$@" ${flagOf('manifestFiles')} "$SSM_manifestFiles" ${flagOf('manifestBytes')} "$SSM_manifestBytes"`,
    '  elif [ -n "$SSM_manifestFiles$SSM_manifestBytes" ]; then',
    '    fail "manifestFiles and manifestBytes go together: give both or neither"',
    '  fi',
    '  what="snapshot $SSM_snapshot${SSM_path:+ (only $SSM_path)}"',
    'elif [ -n "$SSM_archive" ] && [ -n "$SSM_sha256" ] && [ -z "$SSM_snapshot$SSM_path$SSM_manifestFiles$SSM_manifestBytes" ]; then',
    `  set -- ${flagOf('archive')} "$SSM_archive" ${flagOf('sha256')} "$SSM_sha256"`,
    '  what="media archive $SSM_archive"',
    'else',
    '  fail "give archive and sha256, or snapshot (with path and manifestFiles/manifestBytes if wanted), not both and not neither"',
    'fi',
  ];
}

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
    ...renderRestoreChoice(),
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
    'say "restoring $what of $SSM_app ($SSM_environment) beside its live folder on $(uname -n)"',
    ...renderAgentRun(
      `"$node" "$work/backopper-agent.js" restore-media ${(['app', 'environment', 'projectType'] as const).map((name) => `${flagOf(name)} "$SSM_${name}"`).join(' ')} "$@"`,
    ),
  ];
}
