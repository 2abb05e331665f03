import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '@fountain/testing';
import { describeHolders, portFree, portHolders } from './port-holder.ts';

describe('port-holder (from /proc, no ss or lsof)', () => {
  it('finds the process listening on a port, IPv4 and IPv6, and nothing on a free one', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const server = createServer();
      const port = await freePort();
      await new Promise<void>((r) => server.listen(port, host, r));
      try {
        expect(await portFree(port, host)).toEqual({ free: false, code: 'EADDRINUSE' });
        const holders = portHolders(port);
        expect(holders?.map((h) => h.pid)).toEqual([process.pid]);
        expect(holders?.[0]?.command).toContain(process.execPath);
        expect(describeHolders(port, holders)).toMatch(new RegExp(`^by pid ${process.pid} \\(`));
      } finally {
        await new Promise((r) => server.close(r));
      }
    }
    const free = await freePort();
    expect(await portFree(free, '127.0.0.1')).toEqual({ free: true });
    expect(portHolders(free)).toEqual([]);
  });
});
