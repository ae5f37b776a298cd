import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Random, makeSentencePool } from './content';
import { GENERATOR_VERSION } from './bench-database';

/** What the media generator made. */
export interface MediaSet {
  dir: string;
  files: number;
  bytes: number;
}

/**
 * A WordPress uploads folder of about `bytes` under `dir` (`<year>/<month>/...`): 90 % of the bytes in
 * "images" of random bytes (JPEG/PNG/WebP payloads are already compressed) from 8 KB to 1.5 MB, the
 * rest text (CSS, JSON, SVG, logs) that compresses. Reused when its marker says the same size.
 */
export async function ensureMediaFolder(
  dir: string,
  label: string,
  bytes: number,
  log: (line: string) => void,
): Promise<MediaSet> {
  const marker = join(dir, '..', `.media-${label}.json`);
  const stamp = `${GENERATOR_VERSION}:${bytes}`;
  if (existsSync(marker) && existsSync(dir)) {
    const saved = JSON.parse(await readFile(marker, 'utf8')) as MediaSet & { stamp: string };
    if (saved.stamp === stamp) return { dir, files: saved.files, bytes: saved.bytes };
  }
  log(`generating media folder ${dir} (about ${label})...`);
  await rm(dir, { recursive: true, force: true });
  const random = new Random(42);
  const pool = makeSentencePool(random, 5000);
  let written = 0;
  let files = 0;
  while (written < bytes) {
    const folder = join(dir, String(random.int(2016, 2025)), String(random.int(1, 12)).padStart(2, '0'));
    await mkdir(folder, { recursive: true });
    const name = `${
      random
        .pick(pool)
        .split(' ')[0]
        .toLowerCase()
        .replace(/[^a-z]/g, '') || 'file'
    }-${files}`;
    let data: Buffer;
    if (random.next() < 0.85) {
      // Sizes spread log-uniformly: many thumbnails, fewer full-size photos.
      data = random.bytes(Math.round(8_000 * Math.exp(random.next() * Math.log(190))));
      await writeFile(join(folder, `${name}.${random.pick(['jpg', 'jpg', 'png', 'webp'])}`), data);
    } else {
      data = Buffer.from(Array.from({ length: random.int(20, 2000) }, () => random.pick(pool)).join('\n'));
      await writeFile(join(folder, `${name}.${random.pick(['css', 'json', 'svg', 'txt', 'log'])}`), data);
    }
    written += data.length;
    files += 1;
  }
  await writeFile(marker, JSON.stringify({ stamp, files, bytes: written }));
  return { dir, files, bytes: written };
}
