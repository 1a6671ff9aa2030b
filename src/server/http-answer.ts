import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/**
 * An HTTP answer that was not MCP: an error status, or a body of a type no MCP transport sends
 * (an HTML page). The SDK's errors keep little of it ("Non-200 status code (404)"), so the
 * transport's fetch records it to say what answered when the connection fails.
 */
export interface HttpAnswer {
  method: string;
  status: number;
  statusText: string;
  /** The Content-Type header, or "" when there is none. */
  contentType: string;
  /** The first non-empty line of the body, at most 200 characters ("" when it has none). */
  firstLine: string;
}

/** What a body may be when the answer is MCP: JSON, an event stream, or nothing (202). */
const MCP_TYPES = /^(application\/json|text\/event-stream)\b/i;
/** Enough of a body to find its first line; the rest is never read. */
const PEEK_BYTES = 4096;

/** A fetch that reports each answer that is not MCP to `onAnswer`, and otherwise changes nothing. */
export function answerRecorder(onAnswer: (answer: HttpAnswer) => void): FetchLike {
  return async (url, init) => {
    const response = await fetch(url, init);
    const contentType = response.headers.get('content-type') ?? '';
    const empty = response.status === 202 || response.status === 204;
    if (response.ok && (empty || MCP_TYPES.test(contentType))) return response;
    onAnswer({
      method: init?.method ?? 'GET',
      status: response.status,
      statusText: response.statusText,
      contentType,
      firstLine: await firstLine(response.clone()),
    });
    return response;
  };
}

async function firstLine(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < PEEK_BYTES && !/\S[^\n]*\n/.test(text)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body cut off midway still has its first bytes to show.
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return firstLineOf(text);
}

/** The first non-empty line of `text`, trimmed, at most 200 characters. */
export function firstLineOf(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return line.trim().slice(0, 200);
}

/** "404 Not Found (text/html; charset=utf-8): "<!DOCTYPE html>"". */
export function describeAnswer(answer: HttpAnswer): string {
  const status = `${answer.status}${answer.statusText === '' ? '' : ` ${answer.statusText}`}`;
  const type = answer.contentType === '' ? 'no content type' : answer.contentType;
  const body = answer.firstLine === '' ? 'an empty body' : JSON.stringify(answer.firstLine);
  return `${status} (${type}): ${body}`;
}
