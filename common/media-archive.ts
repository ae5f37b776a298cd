/**
 * Names of media archives on the media server, read and written in one place: the agent (transfer,
 * pruning, restore-media), the restore document's allowedPattern and the ops CLI agree through it.
 *
 * `<app>+<environment>+media_<ts>_<host id>.tar.gz`: the name says whose archive it is, so pruning in a
 * folder shared by several apps (a `media.path` without `{app}`) can never take another app's. `+` is in
 * neither an app name nor an environment, so the name splits one way only. The host id keeps two
 * servers holding the same app (running in the same second) from writing the same file. Names of
 * earlier versions, `media_<ts>[_<host id>].tar.gz`, do not say whose they are ({@link MediaArchive}
 * `app` undefined).
 */

/** An app name inside an archive name (the app name rule of app-spec.ts, without anchors). */
const APP = '[A-Za-z0-9_][A-Za-z0-9._-]{0,63}';
/** An environment inside an archive name (the environment rule of app-spec.ts, without anchors). */
const ENVIRONMENT = '[A-Za-z0-9][A-Za-z0-9_-]{0,31}';

/** The file name of an archive, this version's or an earlier one's, unanchored (for longer patterns). */
export const MEDIA_ARCHIVE_FILE = `(?:${APP}\\+${ENVIRONMENT}\\+)?media_[0-9]{9,11}(?:_[0-9a-f]{8})?\\.tar\\.gz`;

const CURRENT = new RegExp(`^(${APP})\\+(${ENVIRONMENT})\\+media_([0-9]{9,11})_([0-9a-f]{8})\\.tar\\.gz$`);
const EARLIER = /^media_([0-9]{9,11})(?:_([0-9a-f]{8}))?\.tar\.gz$/;

/** What an archive's name says. */
export interface MediaArchive {
  /** The app and environment it belongs to; undefined for names of earlier versions, which do not say. */
  app?: string;
  environment?: string;
  /** The run's timestamp (unix seconds). */
  timestamp: number;
  /** The server that made it; undefined for the earliest names. */
  hostId?: string;
}

/** The archive name of one run of one app on one server. */
export function formatMediaArchiveName(archive: Required<MediaArchive>): string {
  return `${archive.app}+${archive.environment}+media_${archive.timestamp}_${archive.hostId}.tar.gz`;
}

/** Reads an archive name (this version's or an earlier one's); undefined for every other name. */
export function parseMediaArchiveName(name: string): MediaArchive | undefined {
  const current = CURRENT.exec(name);
  if (current)
    return { app: current[1]!, environment: current[2]!, timestamp: Number(current[3]), hostId: current[4]! };
  const earlier = EARLIER.exec(name);
  if (!earlier) return undefined;
  return { timestamp: Number(earlier[1]), ...(earlier[2] ? { hostId: earlier[2] } : {}) };
}
