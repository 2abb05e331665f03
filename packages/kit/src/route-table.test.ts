import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { createApp } from './create-app.ts';

type Spec = { paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; parameters?: Array<{ name: string; required?: boolean }> }>> };

describe('the OpenAPI document createApp builds', () => {
  const build = async () => {
    const app = createApp({ name: 't', version: '1', logger: false, keys: [{ id: 'k', value: 'key-0123456789', collections: ['*'], actions: ['*'] }] });
    app.get(
      '/things',
      { schema: { querystring: Type.Object({ page: Type.Integer({ minimum: 1, default: 1 }), per_page: Type.Integer({ default: 50 }), q: Type.String() }) } },
      async () => [],
    );
    await app.ready();
    return { app, spec: app.swagger() as unknown as Spec };
  };

  it('marks /health, /ready and /metrics public (security: []), and keeps the global key requirement elsewhere', async () => {
    const { app, spec } = await build();
    for (const path of ['/health', '/ready', '/metrics']) expect(spec.paths[path]?.get?.security, path).toEqual([]);
    expect(spec.paths['/things']?.get?.security).toBeUndefined();
    await app.close();
  });

  it('documents the error envelope on every route, 404 included; 401/403 only where a key is needed', async () => {
    const { app, spec } = await build();
    expect(Object.keys(spec.paths['/things']?.get?.responses ?? {})).toEqual(expect.arrayContaining(['400', '401', '403', '404', '503']));
    expect(Object.keys(spec.paths['/health']?.get?.responses ?? {})).not.toContain('401');
    // A route without a success schema still documents its success.
    for (const path of ['/health', '/metrics', '/things']) expect(Object.keys(spec.paths[path]?.get?.responses ?? {}).some((s) => s.startsWith('2')), path).toBe(true);
    await app.close();
  });

  it('does not mark parameters with a default (page, per_page) as required', async () => {
    const { app, spec } = await build();
    const params = spec.paths['/things']?.get?.parameters ?? [];
    expect(params.find((p) => p.name === 'page')?.required).toBeFalsy();
    expect(params.find((p) => p.name === 'per_page')?.required).toBeFalsy();
    expect(params.find((p) => p.name === 'q')?.required).toBe(true);
    // And the validator still fills the defaults.
    const res = await app.inject({ url: '/things?q=x', headers: { 'x-api-key': 'key-0123456789' } });
    expect(res.statusCode).toBe(200);
    await app.close();
  });
});
