import { describe, expect, it } from 'vitest';
import { startTypesense, typesenseAvailable } from './index.ts';

describe.skipIf(!typesenseAvailable())('startTypesense', () => {
  it('starts a real server that answers health and survives a restart', async () => {
    const ts = await startTypesense();
    try {
      const health = await (await fetch(`${ts.url}/health`)).json();
      expect(health).toEqual({ ok: true });
      const res = await fetch(`${ts.url}/collections`, { headers: { 'X-TYPESENSE-API-KEY': 'wrong' } });
      expect(res.status).toBe(401);
      await ts.kill();
      await expect(fetch(`${ts.url}/health`)).rejects.toThrow();
      await ts.restart();
      expect(await (await fetch(`${ts.url}/health`)).json()).toEqual({ ok: true });
    } finally {
      await ts.stop();
    }
  });
});
