// The benchmark's own load balancer: a TCP proxy that hands each new connection to the next backend in turn, as
// a load balancer in TCP mode does. Keep-alive connections stay on the backend they were given.
import net from 'node:net';

export interface RoundRobin {
  url: string;
  /** Connections handed to each backend, in the order given. */
  counts(): number[];
  close(): Promise<void>;
}

export async function startRoundRobin(backends: string[]): Promise<RoundRobin> {
  const targets = backends.map((b) => new URL(b));
  const counts = targets.map(() => 0);
  const sockets = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    const i = next++ % targets.length;
    counts[i]!++;
    const t = targets[i]!;
    const upstream = net.connect(Number(t.port), t.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => [...counts],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
