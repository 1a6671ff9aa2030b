/**
 * A fetch for the SDK's StreamableHTTPClientTransport that tells which requests a POST carried:
 * once the gateway accepted it (2xx), and once its answer stream ended, failed or was cancelled.
 * The transport itself says neither: a POST stream that ends without an answer is silently done.
 */
export interface WatchingFetchHooks {
  /** The gateway accepted the POST that carried these requests (keys by `keyOf`). */
  accepted: (ids: readonly string[]) => void;
  /** The answer stream of that POST is over, and the transport has read all it held. */
  ended: (ids: readonly string[]) => void;
  keyOf: (id: string | number) => string;
}

export function watchingFetch(
  hooks: WatchingFetchHooks,
): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const response = await fetch(url, init);
    const ids = init?.method === 'POST' ? requestIds(init.body, hooks.keyOf) : [];
    if (!response.ok || ids.length === 0) return response;
    hooks.accepted(ids);
    if (response.body === null) return response;
    // After the transport has read what the stream held: its reader runs on microtasks.
    const ended = (): void => void setImmediate(() => hooks.ended(ids));
    return new Response(watchEnd(response.body, ended), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** The keys of the requests in a POST body (one message or a batch). */
function requestIds(body: unknown, keyOf: (id: string | number) => string): string[] {
  if (typeof body !== 'string') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  return (Array.isArray(parsed) ? parsed : [parsed]).flatMap((m: unknown) => {
    const { id, method } = (m ?? {}) as { id?: unknown; method?: unknown };
    return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number')
      ? [keyOf(id)]
      : [];
  });
}

/** The same bytes, calling `onEnd` once when the stream ends, fails or is cancelled. */
function watchEnd(body: ReadableStream<Uint8Array>, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let done = false;
  const end = (): void => {
    if (!done) {
      done = true;
      onEnd();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          controller.close();
          end();
        } else controller.enqueue(chunk.value);
      } catch (error) {
        controller.error(error);
        end();
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  });
}
