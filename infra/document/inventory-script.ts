/**
 * The shell script of the inventory document's run step (POSIX `sh`, as root under the SSM agent):
 * the node and bundle checks, then `backopper-agent inventory --environment <env>`, which writes the
 * apps this server holds as custom inventory for the SSM agent to report. No secret is fetched.
 */
import type { AgentConfig } from '../config';
import {
  type AgentCopySettings,
  renderAgentCopy,
  renderAgentRun,
  renderExports,
  renderMessageFunctions,
  renderNodeCheck,
  renderParameterFallbacks,
  renderWorkDir,
} from './script-parts';

/** Everything the inventory step needs from the stack. */
export interface InventoryScriptSettings extends AgentCopySettings {
  agent: AgentConfig;
}

/** Renders the run step's script, one array entry per line. */
export function renderInventoryScript(settings: InventoryScriptSettings): string[] {
  return [
    'set -eu',
    'umask 022',
    ...renderParameterFallbacks(['environment']),
    '',
    ...renderMessageFunctions(),
    ...renderExports([['BACKOPPER_APPS_DIR', settings.agent.appsDir]]),
    ...renderWorkDir(),
    '',
    ...renderNodeCheck(settings.agent.nodePath),
    '',
    ...renderAgentCopy(settings),
    'secrets_ok=1',
    ...renderAgentRun('"$node" "$work/backopper-agent.js" inventory --environment "$SSM_environment"'),
  ];
}
