/**
 * An axios adapter for the official client that repairs Typesense error bodies which are not JSON.
 *
 * Typesense 0.24.1 builds some error messages by pasting the caller's text into JSON without escaping
 * it: `{"message": "Could not find a document with id: a\x"}` or an id with a `"`. The client parses
 * every `application/json` body with a bare `JSON.parse`, which throws a SyntaxError that loses the
 * status, marks the node unhealthy and is retried, and used to reach the caller as a 500. Here, an
 * error answer (status >= 300) whose body does not parse is rewritten as `{"message": <its text>}`
 * before the client sees it, so it maps like any other answer with that status. Successful answers
 * are never touched (Typesense serializes documents properly), so searches pay nothing.
 */
import axios, { type AxiosAdapter, type AxiosResponse } from 'axios';

/** `{"message": "..."}` as Typesense writes it, whatever is inside the quotes. */
const MESSAGE_BODY = /^\s*\{\s*"message"\s*:\s*"([\s\S]*)"\s*\}\s*$/;

/** The message of an error body, as valid JSON: parsed when it parses, salvaged when it doesn't. */
export function repairErrorBody(text: string): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    const inner = MESSAGE_BODY.exec(text)?.[1];
    return JSON.stringify({ message: inner ?? text });
  }
}

/**
 * The adapter: axios' own HTTP adapter, then {@link repairErrorBody} on error answers.
 *
 * @example
 *   new Client({ nodes, apiKey, axiosAdapter: tolerantJsonAdapter() });
 */
export function tolerantJsonAdapter(): AxiosAdapter {
  const http = axios.getAdapter('http');
  return async (config) => {
    const res: AxiosResponse = await http(config);
    if (res.status >= 300 && typeof res.data === 'string' && res.data !== '') res.data = repairErrorBody(res.data);
    return res;
  };
}
