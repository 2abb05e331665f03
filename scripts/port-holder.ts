/**
 * Which process listens on a TCP port, for `npm start`'s check before it starts anything. Read from
 * /proc (the listening socket's inode in /proc/net/tcp{,6}, then the process whose fd points at it),
 * so it needs no `ss`, `lsof` or `netstat` on the machine: the npm packages for this (pid-port,
 * find-process) run those tools, which slim images and CI containers often lack.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** A process holding a port. */
export interface PortHolder {
  pid: number;
  /** Its command line, arguments joined by spaces. */
  command: string;
}

/** Whether `port` can be bound on `host` right now (answers the error code when it cannot). */
export function portFree(port: number, host: string): Promise<{ free: true } | { free: false; code: string }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve({ free: false, code: err.code ?? String(err) }));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve({ free: true })));
  });
}

/** The inodes of the sockets listening on `port` (IPv4 and IPv6), from /proc/net. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const cols = line.trim().split(/\s+/);
      const [local, state, inode] = [cols[1], cols[3], cols[9]];
      if (local?.endsWith(`:${hexPort}`) && state === '0A' && inode && inode !== '0') inodes.add(inode);
    }
  }
  return inodes;
}

/**
 * The processes listening on `port`, or null where /proc can't tell (not Linux). A process of another
 * user is only visible to root: then the answer is empty although the port is taken.
 */
export function portHolders(port: number): PortHolder[] | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const holders: PortHolder[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    const holds = fds.some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m !== null && inodes.has(m[1]!);
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // exited meanwhile
    }
    holders.push({ pid: Number(pid), command });
  }
  return holders;
}

/** One line saying who holds a port, for the start-up error. */
export function describeHolders(port: number, holders: PortHolder[] | null): string {
  if (holders === null) return `run \`lsof -nP -iTCP:${port} -sTCP:LISTEN\` to see which process holds it`;
  if (holders.length === 0) return 'by a process this user cannot see (another user\'s; as root, `ss -ltnp` names it)';
  return holders.map((h) => `by pid ${h.pid} (${h.command || 'command line unknown'})`).join(', ');
}
