/**
 * The original's order, second half: upload a finished dump file with the agent's own uploader (same
 * part size and queue). Run as its own process so GNU time sees its CPU and memory:
 *
 *     node --import tsx bench/upload-file.ts <file> <bucket> <key>
 */
import { createS3Client, uploadFile } from '../agent';

async function main(): Promise<void> {
  const [path, bucket, key] = process.argv.slice(2);
  if (!path || !bucket || !key) throw new Error('usage: upload-file.ts <file> <bucket> <key>');
  const client = createS3Client();
  try {
    await uploadFile(client, { bucket, key, contentType: 'application/octet-stream', metadata: {} }, path);
  } finally {
    client.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
