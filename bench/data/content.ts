import { META_KEYS, MIME_TYPES, POST_STATUSES, POST_TYPES, WORDS } from './words';

/** A small seeded PRNG (mulberry32): the same size always generates the same data. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Like `pick`, skewed towards the first items (word frequencies in real text are Zipf-like). */
  pickSkewed<T>(items: readonly T[]): T {
    const r = this.next();
    return items[Math.floor(r * r * items.length)];
  }
  /** `count` pseudo-random bytes (fast; incompressible like a JPEG's payload). */
  bytes(count: number): Buffer {
    const out = Buffer.allocUnsafe(count);
    for (let i = 0; i + 4 <= count; i += 4) out.writeUInt32LE((this.next() * 4294967296) >>> 0, i);
    for (let i = count - (count % 4); i < count; i += 1) out[i] = this.int(0, 255);
    return out;
  }
}

/** How a binary value is written in the load stream: MariaDB loads hex via UNHEX, PostgreSQL reads bytea `\x`. */
export type BlobFormat = 'hex' | 'bytea';

const SENTENCE_POOL_SIZE = 50_000;

/**
 * Sentences of 5 to 24 words with the odd number, price, link or bold phrase. Paragraphs pick from this
 * pool: two picks of the same sentence rarely land within gzip's 32 KiB window, so the text compresses
 * like prose rather than like a repeated template.
 */
export function makeSentencePool(random: Random, size = SENTENCE_POOL_SIZE): string[] {
  const pool: string[] = [];
  for (let i = 0; i < size; i += 1) {
    const words: string[] = [];
    const count = random.int(5, 24);
    for (let w = 0; w < count; w += 1) {
      const roll = random.next();
      if (roll < 0.03) words.push(String(random.int(1, 2025)));
      else if (roll < 0.04) words.push(`€${random.int(1, 999)},${String(random.int(0, 99)).padStart(2, '0')}`);
      else if (roll < 0.045)
        words.push(
          `<a href="https://example.com/${random.pick(WORDS)}-${random.int(1, 99999)}">${random.pick(WORDS)}</a>`,
        );
      else if (roll < 0.05) words.push(`<strong>${random.pick(WORDS)} ${random.pick(WORDS)}</strong>`);
      else words.push(random.pickSkewed(WORDS));
    }
    const text = words.join(' ');
    pool.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}${random.pick(['.', '.', '.', '!', '?'])}`);
  }
  return pool;
}

/** Writes one table's rows as tab-separated text (the format of LOAD DATA and COPY), row by row. */
export interface TableRows {
  /** Returns the next row (without its newline). */
  row(id: number): string;
}

function sqlDate(random: Random): string {
  const date = new Date(Date.UTC(2014, 0, 1) + random.int(0, 11 * 365 * 86400) * 1000);
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

function title(random: Random): string {
  const words = Array.from({ length: random.int(3, 9) }, () => random.pick(WORDS));
  return words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
}

function slug(text: string, id: number): string {
  return `${text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}-${id}`;
}

/** A wp_posts-like row: HTML paragraphs (newlines written as `\n` escapes), title, slug, status, JSON meta. */
export function postRows(random: Random, pool: readonly string[]): TableRows {
  return {
    row(id) {
      const paragraphs: string[] = [];
      const count = random.int(1, 14);
      for (let p = 0; p < count; p += 1) {
        const sentences = Array.from({ length: random.int(2, 7) }, () => random.pick(pool));
        // Gutenberg block markup, as WordPress 5+ stores post_content.
        paragraphs.push(`<!-- wp:paragraph -->\\n<p>${sentences.join(' ')}</p>\\n<!-- /wp:paragraph -->`);
      }
      const heading = title(random);
      const meta = JSON.stringify({
        views: random.int(0, 250_000),
        rating: Math.round(random.next() * 50) / 10,
        tags: Array.from({ length: random.int(0, 5) }, () => random.pick(WORDS)),
        seo: { title: heading, noindex: random.next() < 0.1 },
      });
      return [
        id,
        random.int(1, 40),
        sqlDate(random),
        heading,
        slug(heading, id),
        paragraphs.join('\\n\\n'),
        random.pick(POST_STATUSES),
        random.pick(POST_TYPES),
        `https://www.example-site.test/?p=${id}`,
        meta,
      ].join('\t');
    },
  };
}

function phpSerialized(random: Random): string {
  const width = random.int(150, 4000);
  const height = random.int(150, 3000);
  const file = `${random.int(2014, 2025)}/${String(random.int(1, 12)).padStart(2, '0')}/${random.pick(WORDS)}-${random.int(1, 9999)}.jpg`;
  return `a:4:{s:5:"width";i:${width};s:6:"height";i:${height};s:4:"file";s:${Buffer.byteLength(file)}:"${file}";s:8:"filesize";i:${random.int(1000, 9_000_000)};}`;
}

/** A wp_postmeta-like row: many small values of mixed kinds (numbers, locks, serialized PHP, JSON, text). */
export function postmetaRows(random: Random, pool: readonly string[], posts: number): TableRows {
  return {
    row(id) {
      const key = random.pick(META_KEYS);
      let value: string;
      if (key === '_edit_lock') value = `${random.int(1_500_000_000, 1_750_000_000)}:${random.int(1, 40)}`;
      else if (key === '_wp_attachment_metadata') value = phpSerialized(random);
      else if (key === '_elementor_data')
        value = JSON.stringify([
          { id: random.int(1, 1e9).toString(16), elType: 'section', settings: { text: random.pick(pool) } },
        ]);
      else if (key.startsWith('_yoast')) value = random.pick(pool);
      else if (key === '_sku') value = `SKU-${random.int(10000, 99999)}-${random.pick(WORDS).toUpperCase()}`;
      else value = String(random.int(0, 100_000));
      return [id, random.int(1, Math.max(1, posts)), key, value].join('\t');
    },
  };
}

/** A cache/attachment row with a binary value: mostly random bytes (compressed images), some serialized text. */
export function blobRows(random: Random, pool: readonly string[], format: BlobFormat): TableRows {
  return {
    row(id) {
      const compressible = random.next() < 0.3;
      const data = compressible
        ? Buffer.from(Array.from({ length: random.int(4, 40) }, () => random.pick(pool)).join(' '))
        : random.bytes(random.int(256, 12_288));
      const hex = data.toString('hex');
      return [
        id,
        random.int(1, 100_000),
        random.pick(MIME_TYPES),
        sqlDate(random),
        format === 'hex' ? hex : `\\\\x${hex}`,
      ].join('\t');
    },
  };
}
