import { ConfigError } from '../errors';
import { integerIn, optional } from './read-inputs';
import { SETTINGS, type SettingName, settingLabel } from './settings';

/** The media server the archive is copied to over SSH. */
export interface MediaServer {
  host: string;
  port: number;
  user?: string;
  /** Remote folder, `{app}` and `{environment}` already filled in. */
  path: string;
  /**
   * The folder is this app's own (its template names `{app}`): only then are archives whose names do not
   * say whose they are (earlier versions') taken for this app's. @default false
   */
  appFolder?: boolean;
  identity?: string;
  knownHosts?: string;
  /** An ssh control socket shared by the run's connections (snapshot mode: one handshake per run). */
  controlPath?: string;
}

/** The media server settings, `{app}` and `{environment}` filled in; undefined without BACKOPPER_MEDIA_HOST. */
export function readMediaServer(
  setting: (name: SettingName) => string | undefined,
  app: string,
  environment: string,
): MediaServer | undefined {
  const host = optional(
    setting('mediaHost'),
    /^[A-Za-z0-9][A-Za-z0-9.:-]*$/,
    SETTINGS.mediaHost,
    'a host name or address',
  );
  if (!host) return undefined;
  const template = setting('mediaPath');
  if (!template)
    throw new ConfigError(
      `${settingLabel(SETTINGS.mediaPath)} is required when ${settingLabel(SETTINGS.mediaHost)} is set`,
    );
  if (/["\n\r\\]/.test(template))
    throw new ConfigError(
      `${settingLabel(SETTINGS.mediaPath)} ${JSON.stringify(template)} contains a quote, backslash or newline`,
    );
  return {
    host,
    port: integerIn(setting('mediaPort')!, 1, 65535, SETTINGS.mediaPort),
    user: optional(setting('mediaUser'), /^[A-Za-z_][A-Za-z0-9._-]*$/, SETTINGS.mediaUser, 'a user name'),
    path: template.replaceAll('{app}', app).replaceAll('{environment}', environment),
    appFolder: template.includes('{app}'),
    identity: setting('mediaIdentity'),
    knownHosts: setting('mediaKnownHosts'),
  };
}
