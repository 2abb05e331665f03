/** One Typesense node, in the shape the official client takes. */
export interface TypesenseNode {
  host: string;
  port: number;
  protocol: 'http' | 'https';
  /** A path prefix when Typesense sits behind a reverse proxy under a sub-path; usually absent. */
  path?: string;
}

/** The outcome of reading the Typesense node settings: nodes (null when none is configured) and every problem found. */
export interface TypesenseNodesFromEnv {
  nodes: TypesenseNode[] | null;
  problems: string[];
}

const DEFAULT_PORT = 8108;

/**
 * Reads the Typesense nodes from the environment, listing every problem at once.
 *
 * Two ways to configure, never both:
 * - `TYPESENSE_NODES`: a comma-separated list of URLs with scheme, host and port, e.g.
 *   `http://ts1:8108,http://ts2:8108,https://search.example.com:443`. The port is required (a URL
 *   without one would silently mean 80/443, while Typesense listens on 8108). Spaces around commas are
 *   ignored; an optional path prefix is kept for reverse proxies.
 * - `TYPESENSE_HOST` (required), `TYPESENSE_PORT` (default 8108), `TYPESENSE_PROTOCOL` (`http` or
 *   `https`, default `http`): the seeds' single-node settings.
 *
 * Answers `nodes: null` when neither is set (the gateway then uses the embedded backend).
 *
 * @example
 *   const { nodes, problems } = typesenseNodesFromEnv(process.env);
 *   if (problems.length > 0) throw new Error(problems.join('\n'));
 */
export function typesenseNodesFromEnv(env: Record<string, string | undefined>): TypesenseNodesFromEnv {
  const problems: string[] = [];
  const list = blankToUndefined(env.TYPESENSE_NODES);
  const host = blankToUndefined(env.TYPESENSE_HOST);
  const port = blankToUndefined(env.TYPESENSE_PORT);
  const protocol = blankToUndefined(env.TYPESENSE_PROTOCOL);

  if (list !== undefined) {
    const single = [host && 'TYPESENSE_HOST', port && 'TYPESENSE_PORT', protocol && 'TYPESENSE_PROTOCOL'].filter(
      Boolean,
    );
    if (single.length > 0) {
      problems.push(`TYPESENSE_NODES is set, so ${single.join(', ')} must not be: use one way to name the nodes`);
    }
    const nodes = parseNodeList(list, problems);
    return { nodes: problems.length === 0 ? nodes : null, problems };
  }

  if (host === undefined) {
    if (port !== undefined || protocol !== undefined) {
      problems.push('TYPESENSE_PORT or TYPESENSE_PROTOCOL is set but TYPESENSE_HOST is not');
    }
    return { nodes: null, problems };
  }

  if (/[\s/:]/.test(host)) {
    problems.push(`TYPESENSE_HOST must be a bare host name or address (got '${host}'); use TYPESENSE_NODES for URLs`);
  }
  const parsedPort = port === undefined ? DEFAULT_PORT : parsePort(port);
  if (parsedPort === null) problems.push(`TYPESENSE_PORT must be an integer from 1 to 65535 (got '${port}')`);
  const parsedProtocol = protocol === undefined ? 'http' : protocol.toLowerCase();
  if (parsedProtocol !== 'http' && parsedProtocol !== 'https') {
    problems.push(`TYPESENSE_PROTOCOL must be 'http' or 'https' (got '${protocol}')`);
  }
  if (problems.length > 0 || parsedPort === null) return { nodes: null, problems };
  return { nodes: [{ host, port: parsedPort, protocol: parsedProtocol as 'http' | 'https' }], problems };
}

function parseNodeList(list: string, problems: string[]): TypesenseNode[] {
  const nodes: TypesenseNode[] = [];
  const entries = list.split(',').map((s) => s.trim());
  entries.forEach((entry, i) => {
    const where = `TYPESENSE_NODES entry ${i + 1}`;
    if (entry === '') {
      problems.push(`${where} is empty (stray comma?)`);
      return;
    }
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      problems.push(`${where} '${entry}' is not a URL like http://host:8108`);
      return;
    }
    const protocol = url.protocol.replace(/:$/, '');
    if (protocol !== 'http' && protocol !== 'https') {
      problems.push(`${where} '${entry}' must start with http:// or https://`);
      return;
    }
    if (url.username || url.password || url.search || url.hash) {
      problems.push(`${where} '${entry}' must not carry credentials, a query or a fragment (the key is TYPESENSE_API_KEY)`);
      return;
    }
    // URL drops a port equal to the scheme's default, so look at the text to tell ":80" from nothing.
    const explicitPort = /^[a-z]+:\/\/(\[[^\]]*\]|[^/:?#]*):(\d+)/i.exec(entry)?.[2];
    if (explicitPort === undefined) {
      problems.push(`${where} '${entry}' has no port (Typesense listens on 8108: write ${protocol}://${url.hostname}:8108)`);
      return;
    }
    const port = parsePort(explicitPort);
    if (port === null) {
      problems.push(`${where} '${entry}' has an invalid port`);
      return;
    }
    const node: TypesenseNode = { host: url.hostname, port, protocol };
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== '') node.path = path;
    nodes.push(node);
  });
  if (entries.length > 0 && nodes.length === 0 && problems.length === 0) {
    problems.push('TYPESENSE_NODES names no node');
  }
  return nodes;
}

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
