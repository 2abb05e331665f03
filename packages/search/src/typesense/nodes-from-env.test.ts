import { describe, expect, it } from 'vitest';
import { typesenseNodesFromEnv } from './nodes-from-env.ts';

describe('typesenseNodesFromEnv', () => {
  it('answers null without problems when nothing is configured', () => {
    expect(typesenseNodesFromEnv({})).toEqual({ nodes: null, problems: [] });
    expect(typesenseNodesFromEnv({ TYPESENSE_NODES: ' ', TYPESENSE_HOST: '' })).toEqual({ nodes: null, problems: [] });
  });

  it('reads the seed settings with defaults', () => {
    expect(typesenseNodesFromEnv({ TYPESENSE_HOST: 'typesense' }).nodes).toEqual([
      { host: 'typesense', port: 8108, protocol: 'http' },
    ]);
    expect(
      typesenseNodesFromEnv({ TYPESENSE_HOST: 'ts.example.com', TYPESENSE_PORT: '443', TYPESENSE_PROTOCOL: 'HTTPS' }).nodes,
    ).toEqual([{ host: 'ts.example.com', port: 443, protocol: 'https' }]);
  });

  it('reads a list of node URLs', () => {
    const { nodes, problems } = typesenseNodesFromEnv({
      TYPESENSE_NODES: 'http://ts1:8108, http://10.0.0.2:7108 ,https://proxy.example.com:443/typesense/',
    });
    expect(problems).toEqual([]);
    expect(nodes).toEqual([
      { host: 'ts1', port: 8108, protocol: 'http' },
      { host: '10.0.0.2', port: 7108, protocol: 'http' },
      { host: 'proxy.example.com', port: 443, protocol: 'https', path: '/typesense' },
    ]);
  });

  it('keeps an explicit default port', () => {
    expect(typesenseNodesFromEnv({ TYPESENSE_NODES: 'http://ts1:80' }).nodes).toEqual([
      { host: 'ts1', port: 80, protocol: 'http' },
    ]);
  });

  it('lists every problem in a malformed list', () => {
    const { nodes, problems } = typesenseNodesFromEnv({
      TYPESENSE_NODES: 'http://ts1:8108,,ts2:8108,ftp://ts3:8108,http://ts4,http://ts5:99999,http://u:p@ts6:8108',
    });
    expect(nodes).toBeNull();
    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(/entry 2 is empty/);
    expect(problems[1]).toMatch(/entry 3 'ts2:8108'/);
    expect(problems[2]).toMatch(/entry 4 .* http:\/\/ or https:\/\//);
    expect(problems[3]).toMatch(/entry 5 .* has no port .*http:\/\/ts4:8108/);
    expect(problems[4]).toMatch(/entry 6 /);
    expect(problems[5]).toMatch(/entry 7 .* credentials/);
  });

  it('rejects mixing the two ways and bad single-node values', () => {
    expect(typesenseNodesFromEnv({ TYPESENSE_NODES: 'http://a:8108', TYPESENSE_HOST: 'b' }).problems).toEqual([
      expect.stringMatching(/TYPESENSE_NODES is set, so TYPESENSE_HOST must not be/),
    ]);
    const bad = typesenseNodesFromEnv({
      TYPESENSE_HOST: 'http://ts:8108',
      TYPESENSE_PORT: '8108x',
      TYPESENSE_PROTOCOL: 'ftp',
    });
    expect(bad.nodes).toBeNull();
    expect(bad.problems).toHaveLength(3);
    expect(typesenseNodesFromEnv({ TYPESENSE_PORT: '8108' }).problems).toEqual([
      expect.stringMatching(/TYPESENSE_HOST is not/),
    ]);
  });
});
