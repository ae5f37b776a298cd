/**
 * `npm run bench`: generates (once) realistic MariaDB and PostgreSQL databases and a media folder, then
 * measures the agent against the shell baselines, alternating runs, and prints one table.
 *
 *     npm run bench                                # 1 GB, every part
 *     npm run bench -- --size 200m --runs 3        # the quick form: medians of 3 in a few minutes
 *     npm run bench -- --only mysql --threads 4     # compression threads (and pigz -p) other than every core
 *     npm run bench -- --size 4g --only rss        # peak RSS at 4 GB, compared with the saved 1 GB result
 *     npm run bench -- --size 300m --only snapshots # media snapshots (rsync --link-dest) vs archives and by hand
 *     npm run bench -- --size 200m --only drill     # restore drills through the agent vs the same restore by hand
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { BenchContext } from './context';
import { ensureMediaFolder } from './data/media-data';
import type { BenchDatabase } from './data/bench-database';
import { ensureMysqlDatabase } from './data/mysql-data';
import { ensurePostgresDatabase } from './data/postgres-data';
import { HAVE_GNU_TIME } from './measure';
import { type Part, parseOptions } from './options';
import { benchDrill } from './scenarios/drill';
import { benchLoad } from './scenarios/load';
import { benchMedia } from './scenarios/media';
import { benchMysql } from './scenarios/mysql';
import { benchSnapshots } from './scenarios/snapshots';
import { benchPostgres } from './scenarios/postgres';
import { type SavedResults, measureAgentRss, resultsFile, rssRows } from './scenarios/rss';
import { benchSync } from './scenarios/sync';
import { Services, benchPaths, mediaDirOf, writeAppEnvs } from './setup';
import { type Row, formatTable } from './table';

const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const wants = (part: Part) => options.only.has(part);
  if (!HAVE_GNU_TIME) log('GNU time (/usr/bin/time) is missing: CPU and RSS columns stay empty (apt-get install time)');
  const paths = benchPaths(options.label);
  const services = new Services();
  const context: BenchContext = {
    label: options.label,
    bytes: options.bytes,
    runs: options.runs,
    threads: options.threads,
    paths,
    services,
    log,
  };
  const rows: Row[] = [];
  try {
    const needsMysql = wants('mysql') || wants('rss') || wants('load') || wants('drill');
    const mysql: BenchDatabase | undefined = needsMysql
      ? await ensureMysqlDatabase(options.label, options.bytes, log)
      : undefined;
    const postgres =
      wants('postgres') || wants('drill') ? await ensurePostgresDatabase(options.label, options.bytes, log) : undefined;
    const media =
      wants('media') || wants('snapshots')
        ? await ensureMediaFolder(mediaDirOf(paths), options.label, options.bytes, log)
        : undefined;
    writeAppEnvs(paths, { mysql, postgres });
    log(`data ready after ${elapsed(started)}; measuring with ${options.runs} alternating run(s) per variant`);

    if (mysql && wants('mysql')) rows.push(...(await step('MariaDB', () => benchMysql(context, mysql))));
    if (mysql && wants('load'))
      rows.push(...(await step('site load during a backup', () => benchLoad(context, mysql))));
    if (postgres && wants('postgres')) rows.push(...(await step('PostgreSQL', () => benchPostgres(context, postgres))));
    if (wants('drill')) rows.push(...(await step('restore drills', () => benchDrill(context, { mysql, postgres }))));
    if (media && wants('media')) rows.push(...(await step('media', () => benchMedia(context, media))));
    if (media && wants('snapshots'))
      rows.push(...(await step('media snapshots', () => benchSnapshots(context, media))));
    const agentPeaks = rows
      .filter((row) => row.variant.startsWith('agent') && row.rssMiB !== undefined)
      .map((row) => row.rssMiB!);
    if (mysql && wants('rss') && !wants('mysql'))
      agentPeaks.push(await step('peak RSS', () => measureAgentRss(context)));
    const peak = agentPeaks.length ? Math.max(...agentPeaks) : undefined;
    if (peak !== undefined) rows.push(...rssRows(options.label, peak, options.runs));
    if (wants('sync')) rows.push(...(await step('sync', () => benchSync())));

    const saved: SavedResults = { label: options.label, date: new Date().toISOString(), agentPeakRssMiB: peak, rows };
    writeFileSync(resultsFile(options.label), `${JSON.stringify(saved, null, 2)}\n`);
  } finally {
    await services.stop();
  }
  console.log(
    `\nBackopper bench: size ${options.label}, ${options.runs} run(s) per variant, ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${new Date().toISOString()}\n`,
  );
  console.log(formatTable(rows));
  const missed = rows.filter((row) => row.pass === false);
  console.log(
    `\n${missed.length ? `MISSED: ${missed.map((row) => `${row.case} / ${row.variant}`).join('; ')}` : 'every target met'} — total ${elapsed(started)}`,
  );
}

async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  log(`${name}...`);
  const result = await work();
  log(`${name} done in ${elapsed(started)}`);
  return result;
}

function elapsed(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(0)} s`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
