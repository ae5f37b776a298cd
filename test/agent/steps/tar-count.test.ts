import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TarCounter } from '../../../agent/steps/tar-count';

/** Counts a tar stream with TarCounter, checking it passes every byte through unchanged. */
async function count(archive: Buffer, chunkSize = 1000) {
  const counter = new TarCounter('test archive');
  const out: Buffer[] = [];
  const chunks = Array.from({ length: Math.ceil(archive.length / chunkSize) }, (_, i) =>
    archive.subarray(i * chunkSize, (i + 1) * chunkSize),
  );
  await pipeline(
    Readable.from(chunks),
    counter,
    new Writable({ write: (chunk: Buffer, _encoding, callback) => (out.push(chunk), callback()) }),
  );
  expect(Buffer.concat(out).equals(archive)).toBe(true);
  return { ...counter.counts, complete: counter.complete };
}

/** What GNU tar itself lists: members, and the bytes of regular files (`-` in the mode column). */
function tarListing(archive: Buffer) {
  const lines = execFileSync('tar', ['-tvf', '-'], { input: archive, encoding: 'utf8' }).trim().split('\n');
  const files = lines.filter((line) => line.startsWith('-'));
  return {
    entries: lines.length,
    files: files.length,
    fileBytes: files.reduce((sum, line) => sum + Number(line.split(/\s+/)[2]), 0),
  };
}

describe('TarCounter counts a tar stream as tar lists it, passing it through unchanged', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tar-count-'));
    const uploads = join(dir, 'uploads');
    const deep = join(uploads, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, `${'c'.repeat(120)}.jpg`), 'x'.repeat(70_000)); // a name past 100 characters
    writeFileSync(join(uploads, 'empty.txt'), '');
    writeFileSync(join(uploads, 'block.bin'), Buffer.alloc(512, 1)); // exactly one block: no padding
    linkSync(join(uploads, 'block.bin'), join(uploads, 'hard.bin'));
    symlinkSync('block.bin', join(uploads, 'soft.bin'));
    mkdirSync(join(uploads, 'empty-folder'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['gnu', 'pax', 'ustar'])(
    'counts a %s archive as tar -tv lists it (long names, links, empty files)',
    async (format) => {
      if (format === 'ustar') {
        // ustar cannot hold the long name: a smaller tree.
        const archive = execFileSync('tar', [
          '--format=ustar',
          '-cf',
          '-',
          '-C',
          join(dir, 'uploads'),
          'empty.txt',
          'block.bin',
        ]);
        expect(await count(archive)).toEqual({ ...tarListing(archive), complete: true });
        return;
      }
      const archive = execFileSync('tar', [`--format=${format}`, '-cf', '-', '-C', dir, 'uploads']);
      const counted = await count(archive, 333);
      expect(counted).toEqual({ ...tarListing(archive), complete: true });
      // uploads/, a…/, b…/, the long-named file, empty.txt, block.bin, hard.bin (a link: no bytes), soft.bin, empty-folder/
      expect(counted).toMatchObject({ entries: 9, files: 3, fileBytes: 70_000 + 512 });
    },
  );

  it('says a stream cut short is incomplete, and refuses data after the end-of-archive blocks', async () => {
    const archive = execFileSync('tar', ['-cf', '-', '-C', dir, 'uploads']);
    expect((await count(archive.subarray(0, 2048))).complete).toBe(false);
    const trailing = Buffer.concat([archive, archive.subarray(0, 512)]);
    await expect(count(trailing)).rejects.toThrow(/data after the end-of-archive blocks/);
  });

  it('reads a GNU base-256 size (files of 8 GiB and more) without a second pass', async () => {
    const header = Buffer.alloc(512);
    header.write('huge.bin', 0);
    header[124] = 0x80;
    header.writeUIntBE(9 * 2 ** 30, 130, 6); // 9 GiB in the low bytes
    header[156] = '0'.charCodeAt(0);
    const counter = new TarCounter('synthetic');
    counter.write(header);
    expect(counter.counts).toEqual({ entries: 1, files: 1, fileBytes: 9 * 2 ** 30 });
    expect(counter.complete).toBe(false);
  });
});
