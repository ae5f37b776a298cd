import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFollower } from '../../../agent/process/follow-file';

/** Runs a shell script (a stand-in for pg_dump writing its --file) and resolves when it exits 0. */
function writer(script: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script, 'writer', path], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`))));
  });
}

describe('FileFollower', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'follow-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function follow(name: string, script: string, options: { chunkBytes?: number; pollMs?: number } = {}) {
    const path = join(dir, name);
    const handle = await open(path, 'wx+', 0o600);
    try {
      const follower = new FileFollower(handle, writer(script, path), options);
      const read = await buffer(follower);
      return { read, file: await readFile(path), position: follower.position };
    } finally {
      await handle.close();
    }
  }

  it('reads everything a writer appends in bursts with pauses longer than its poll, and ends only after the writer exits', async () => {
    // Pauses of 80 ms against a 5 ms poll: the follower reaches the end of the file many times before the writer is done.
    const { read, file, position } = await follow(
      'bursts',
      'for i in 1 2 3 4 5 6; do head -c 300001 /dev/urandom >> "$1"; sleep 0.08; done; printf END >> "$1"',
      { pollMs: 5 },
    );
    expect(file.length).toBe(6 * 300001 + 3);
    expect(read.equals(file)).toBe(true);
    expect(position).toBe(file.length);
  });

  it('reads in chunks of at most chunkBytes', async () => {
    const path = join(dir, 'chunks');
    const handle = await open(path, 'wx+', 0o600);
    try {
      const follower = new FileFollower(handle, writer('head -c 1000000 /dev/urandom > "$1"', path), {
        chunkBytes: 64 * 1024,
      });
      const sizes: number[] = [];
      for await (const chunk of follower) sizes.push((chunk as Buffer).length);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
      expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(1000000);
    } finally {
      await handle.close();
    }
  });

  it('ends with nothing when the writer exits without writing, and also when the writer fails', async () => {
    expect((await follow('empty', 'true')).read.length).toBe(0);
    const path = join(dir, 'failed');
    const handle = await open(path, 'wx+', 0o600);
    try {
      const follower = new FileFollower(handle, writer('printf partial >> "$1"; exit 3', path));
      expect((await buffer(follower)).toString()).toBe('partial');
    } finally {
      await handle.close();
    }
  });
});
