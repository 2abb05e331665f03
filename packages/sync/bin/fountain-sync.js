#!/usr/bin/env node
// The sync runner's command (src/runner/cli.ts). The repository runs TypeScript through tsx, so this
// one JavaScript file registers tsx's loader in this same process (no child process: a SIGKILL of
// this pid is a SIGKILL of the runner) and hands over.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/runner/cli.ts');
const status = await main(process.argv.slice(2));
if (status !== null) process.exitCode = status;
