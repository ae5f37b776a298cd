import {
  type BlobFormat,
  type Random,
  type TableRows,
  blobRows,
  makeSentencePool,
  postRows,
  postmetaRows,
} from './content';

/** One generated table: its DDL per engine, its columns and its share of the database's bytes. */
export interface TableSpec {
  name: string;
  mysql: string;
  postgres: string;
  /** Columns in load order; the last one of a blob table is loaded through `@hex` in MariaDB. */
  columns: string[];
  share: number;
  blob: boolean;
  rows(random: Random, pool: readonly string[], format: BlobFormat, targetBytes: number): TableRows;
}

// About 2.8 KB per post row: the postmeta generator spreads its post ids over about that many posts.
const POST_ROW_BYTES = 2800;

/** A WordPress-like database: text-heavy posts, many small meta rows, and a binary cache table. */
export const TABLES: readonly TableSpec[] = [
  {
    name: 'wp_posts',
    mysql: `CREATE TABLE wp_posts (ID BIGINT UNSIGNED PRIMARY KEY, post_author BIGINT UNSIGNED, post_date DATETIME, post_title TEXT, post_name VARCHAR(200), post_content LONGTEXT, post_status VARCHAR(20), post_type VARCHAR(20), guid VARCHAR(255), meta JSON) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    postgres: `CREATE TABLE wp_posts (id bigint PRIMARY KEY, post_author bigint, post_date timestamp, post_title text, post_name varchar(200), post_content text, post_status varchar(20), post_type varchar(20), guid varchar(255), meta jsonb)`,
    columns: [
      'id',
      'post_author',
      'post_date',
      'post_title',
      'post_name',
      'post_content',
      'post_status',
      'post_type',
      'guid',
      'meta',
    ],
    share: 0.6,
    blob: false,
    rows: (random, pool) => postRows(random, pool),
  },
  {
    name: 'wp_postmeta',
    mysql: `CREATE TABLE wp_postmeta (meta_id BIGINT UNSIGNED PRIMARY KEY, post_id BIGINT UNSIGNED, meta_key VARCHAR(255), meta_value LONGTEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    postgres: `CREATE TABLE wp_postmeta (meta_id bigint PRIMARY KEY, post_id bigint, meta_key varchar(255), meta_value text)`,
    columns: ['meta_id', 'post_id', 'meta_key', 'meta_value'],
    share: 0.25,
    blob: false,
    rows: (random, pool, _format, targetBytes) =>
      postmetaRows(random, pool, Math.round((targetBytes * 0.6) / POST_ROW_BYTES)),
  },
  {
    name: 'wp_cache',
    mysql: `CREATE TABLE wp_cache (id BIGINT UNSIGNED PRIMARY KEY, post_id BIGINT UNSIGNED, mime VARCHAR(100), created DATETIME, data LONGBLOB) ENGINE=InnoDB`,
    postgres: `CREATE TABLE wp_cache (id bigint PRIMARY KEY, post_id bigint, mime varchar(100), created timestamp, data bytea)`,
    columns: ['id', 'post_id', 'mime', 'created', 'data'],
    share: 0.15,
    blob: true,
    rows: (random, pool, format) => blobRows(random, pool, format),
  },
];

const CHUNK_BYTES = 1 << 20;

/**
 * The rows of `table` as tab-separated text, about `table.share x totalBytes` bytes of it, in chunks
 * of about a megabyte. Seeded by the table's position, so a size always yields the same data.
 */
export function* tableText(
  table: TableSpec,
  totalBytes: number,
  format: BlobFormat,
  random: Random,
): Generator<string> {
  const pool = makeSentencePool(random);
  const target = table.share * totalBytes;
  const rows = table.rows(random, pool, format, totalBytes);
  let written = 0;
  let chunk: string[] = [];
  let chunkBytes = 0;
  for (let id = 1; written < target; id += 1) {
    const line = `${rows.row(id)}\n`;
    chunk.push(line);
    chunkBytes += line.length;
    if (chunkBytes >= CHUNK_BYTES) {
      written += chunkBytes;
      yield chunk.join('');
      chunk = [];
      chunkBytes = 0;
    }
  }
  if (chunk.length) yield chunk.join('');
}
