import { createServer, connect, type Socket } from 'node:net';

/**
 * What the proxy does with the bytes a client sends once `afterBytes` of them (counted over all
 * connections since the mode was set) have gone through: `pass` forwards everything, `reset` tears
 * every connection down with a TCP RST, `blackhole` keeps the connections open and forwards nothing in
 * either direction any more (a dead network path or a hung server: the client sees silence).
 */
export type ProxyMode = 'pass' | 'reset' | 'blackhole';

/** A TCP proxy on 127.0.0.1 in front of one loopback port, to cut a service off the way networks do. */
export interface TcpProxy {
  port: number;
  /** Endpoint URL for HTTP services behind it. */
  url: string;
  /** Switches the behaviour for bytes beyond `afterBytes` from now on (0: at once, new connections too). */
  setMode(mode: ProxyMode, afterBytes?: number): void;
  /** Client bytes forwarded since the last setMode, connections accepted, and connections cut off. */
  stats(): { forwarded: number; connections: number; cutOff: number };
  stop(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort` on a free loopback port, passing everything through. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  let budget = Infinity;
  let forwarded = 0;
  let connections = 0;
  let cutOff = 0;
  const open = new Set<{ client: Socket; upstream: Socket; dead: boolean }>();

  const cut = (link: { client: Socket; upstream: Socket; dead: boolean }) => {
    if (link.dead) return;
    link.dead = true;
    cutOff += 1;
    if (mode === 'reset') {
      link.client.resetAndDestroy();
      link.upstream.destroy();
      return;
    }
    // Black hole: stop reading from the client (its writes back up, as on a dead path) and drop
    // anything the server still sends. The sockets stay open until the client gives up or stop().
    link.client.pause();
    link.upstream.destroy();
  };

  const server = createServer((client) => {
    connections += 1;
    const upstream = connect(targetPort, '127.0.0.1');
    const link = { client, upstream, dead: false };
    open.add(link);
    client.on('error', () => undefined);
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      open.delete(link);
    });
    upstream.on('close', () => {
      if (!link.dead) client.destroy();
    });
    if (mode !== 'pass' && budget <= 0) {
      cut(link);
      return;
    }
    client.on('data', (chunk: Buffer) => {
      if (link.dead) return;
      const room = budget - forwarded;
      if (mode !== 'pass' && chunk.length >= room) {
        if (room > 0) upstream.write(chunk.subarray(0, room));
        forwarded += Math.max(room, 0);
        for (const each of open) cut(each);
        return;
      }
      forwarded += chunk.length;
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => !link.dead && client.resume());
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!link.dead) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    setMode(next, afterBytes = 0) {
      mode = next;
      budget = next === 'pass' ? Infinity : afterBytes;
      forwarded = 0;
      if (next !== 'pass' && afterBytes === 0) for (const link of open) cut(link);
    },
    stats: () => ({ forwarded, connections, cutOff }),
    async stop() {
      for (const link of open) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
