import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a local server that can stall the client-to-server direction
 * after a number of bytes: an upload that hangs mid-file (a congested link), for killing a run mid-copy.
 */
export interface StallingProxy {
  port: number;
  /** Client-to-server bytes forwarded so far, over all connections. */
  forwarded(): number;
  /** Stops forwarding client-to-server bytes once `bytes` in total have been forwarded. */
  stallAfter(bytes: number): void;
  /** Forwards everything again, including what was held back. */
  resume(): void;
  close(): Promise<void>;
}

export async function startStallingProxy(targetPort: number): Promise<StallingProxy> {
  let forwarded = 0;
  let limit = Infinity;
  const held: Array<{ client: Socket; upstream: Socket; chunk: Buffer }> = [];
  const sockets = new Set<Socket>();

  const forward = (client: Socket, upstream: Socket, chunk: Buffer) => {
    const room = Math.max(0, limit - forwarded);
    if (chunk.length <= room) {
      forwarded += chunk.length;
      upstream.write(chunk);
      return;
    }
    if (room > 0) {
      forwarded += room;
      upstream.write(chunk.subarray(0, room));
    }
    held.push({ client, upstream, chunk: chunk.subarray(room) });
    client.pause();
  };

  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => forward(client, upstream, chunk));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    forwarded: () => forwarded,
    stallAfter(bytes) {
      limit = bytes;
    },
    resume() {
      limit = Infinity;
      for (const { client, upstream, chunk } of held.splice(0)) {
        forwarded += chunk.length;
        upstream.write(chunk);
        client.resume();
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
