import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BlockCompressor,
  compressOnThreadPool,
  gzipTrailer,
  ParallelGzip,
  WINDOW_BYTES,
} from '../../../agent/process/parallel-gzip';

const run = promisify(execFile);
const BLOCK = 64 * 1024;

/** Compresses `input` fed in chunks of `chunk` bytes. */
async function compress(
  input: Buffer,
  options: { threads: number; blockSize?: number; compressBlock?: BlockCompressor },
  chunk = 10_000,
): Promise<Buffer> {
  const chunks = Array.from({ length: Math.ceil(input.length / chunk) }, (_, index) =>
    input.subarray(index * chunk, (index + 1) * chunk),
  );
  return buffer(Readable.from(chunks).pipe(new ParallelGzip(options)));
}

/** Text with long repeats across block boundaries (what the dictionary is for) and some noise. */
function repetitive(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let row = 0; size < bytes; row += 1) {
    const line = `INSERT INTO wp_posts VALUES (${row},'post-${row % 97}','Lorem ipsum dolor sit amet ${row % 13}');\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backopper-pgzip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What the system's gzip says of the stream: `gunzip -t` passes and `zcat` gives back exactly `input`. */
async function expectSystemGunzipReads(gz: Buffer, input: Buffer, name: string): Promise<void> {
  const file = join(dir, `${name}.gz`);
  await writeFile(file, gz);
  await run('gunzip', ['-t', file]);
  const { stdout } = await run('zcat', [file], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  expect(Buffer.compare(stdout, input)).toBe(0);
}

describe('ParallelGzip', () => {
  it.each([
    ['empty input', Buffer.alloc(0), 1],
    ['1 byte', Buffer.from('x'), 2],
    ['exactly one block', repetitive(BLOCK), 2],
    ['one block and one byte', repetitive(BLOCK + 1), 2],
    ['many blocks of repetitive text', repetitive(40 * BLOCK + 123), 3],
    ['many blocks of random bytes', randomBytes(20 * BLOCK + 7), 4],
    [
      'random and repetitive mixed, one thread',
      Buffer.concat([randomBytes(3 * BLOCK), repetitive(5 * BLOCK), randomBytes(1000)]),
      1,
    ],
  ])('makes one valid gzip stream of %s', async (name, input, threads) => {
    const gz = await compress(input, { threads, blockSize: BLOCK });
    expect(gz.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 8]));
    await expectSystemGunzipReads(gz, input, name.replace(/\W+/g, '-'));
    expect(gunzipSync(gz).equals(input)).toBe(true);
  });

  it('uses the previous block as dictionary: repeats across blocks compress like one stream', async () => {
    // A random 16 KiB unit repeated: only back-references across block boundaries make it small.
    const unit = randomBytes(16 * 1024);
    const input = Buffer.concat(Array.from({ length: 64 }, () => unit));
    const gz = await compress(input, { threads: 2, blockSize: 2 * WINDOW_BYTES });
    expect(gz.length).toBeLessThan(2 * unit.length);
    expect(gunzipSync(gz).equals(input)).toBe(true);
  });

  it('writes the blocks in order whichever finishes first', async () => {
    const input = repetitive(30 * BLOCK);
    // Later blocks finish first: a block's delay shrinks with its position.
    let calls = 0;
    const reversed: BlockCompressor = async (block, dictionary, last, level) => {
      const delay = 20 - (calls++ % 4) * 5;
      await new Promise((resolve) => setTimeout(resolve, delay));
      return compressOnThreadPool(block, dictionary, last, level);
    };
    const gz = await compress(input, { threads: 4, blockSize: BLOCK, compressBlock: reversed });
    await expectSystemGunzipReads(gz, input, 'reordered');
  });

  it('compresses at most `threads` blocks at once and pushes back on a writer that outruns it', async () => {
    let running = 0;
    let peak = 0;
    const counting: BlockCompressor = async (...args) => {
      running += 1;
      peak = Math.max(peak, running);
      try {
        return await compressOnThreadPool(...args);
      } finally {
        running -= 1;
      }
    };
    const stream = new ParallelGzip({ threads: 2, blockSize: BLOCK, compressBlock: counting });
    const input = randomBytes(50 * BLOCK);
    const chunks = Array.from({ length: 50 }, (_, index) => input.subarray(index * BLOCK, (index + 1) * BLOCK));
    let written = 0;
    const accepted = chunks.map((chunk) => {
      const more = stream.write(chunk);
      written += chunk.length;
      return more;
    });
    // The writable side reports back-pressure well before 50 blocks have been taken.
    expect(accepted.indexOf(false)).toBeGreaterThan(-1);
    expect(accepted.indexOf(false)).toBeLessThan(40);
    stream.end();
    const gz = await buffer(stream);
    expect(peak).toBeLessThanOrEqual(2);
    expect(written).toBe(input.length);
    expect(gunzipSync(gz).equals(input)).toBe(true);
  });

  it('fails the stream, naming the block, when a block fails to compress', async () => {
    let calls = 0;
    const crashing: BlockCompressor = async (...args) => {
      if (calls++ === 3) throw new Error('the compressor crashed');
      return compressOnThreadPool(...args);
    };
    await expect(
      compress(repetitive(20 * BLOCK), { threads: 2, blockSize: BLOCK, compressBlock: crashing }),
    ).rejects.toThrow(`compressing block 3 (at byte ${3 * BLOCK}) failed: the compressor crashed`);
  });

  it('rejects a thread count that is not a whole number ≥ 1', () => {
    expect(() => new ParallelGzip({ threads: 0 })).toThrow('threads must be a whole number ≥ 1, not 0');
  });

  it('writes the length modulo 2^32 in the trailer', () => {
    expect(gzipTrailer(0xdeadbeef, 2 ** 32 + 5)).toEqual(Buffer.from([0xef, 0xbe, 0xad, 0xde, 5, 0, 0, 0]));
  });

  it('matches a file compressed by the system gzip in content', async () => {
    const input = Buffer.concat([repetitive(7 * BLOCK), randomBytes(BLOCK)]);
    const file = join(dir, 'plain');
    await writeFile(file, input);
    await run('gzip', ['-k', '-6', file]);
    const ours = await compress(input, { threads: 2, blockSize: BLOCK });
    expect(gunzipSync(ours).equals(gunzipSync(await readFile(`${file}.gz`)))).toBe(true);
  });
});
