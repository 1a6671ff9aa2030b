import {
  CallToolRequestSchema,
  type CallToolResult,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type Result,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { closest } from '../closest.js';
import { rpcError } from './errors.js';
import type { Aggregate } from './aggregate.js';
import type { CallContext, DownstreamSession, View } from './downstream.js';
import { Unavailable } from './forward.js';

/** What a session's handlers need of the gateway. */
export interface GatewayCore {
  aggregateOf(view: View): Aggregate;
  /** A tool or prompt name of this view -> its server and the server's own name. */
  resolve(view: View, name: string): { server: string; name: string } | undefined;
  forward(
    session: DownstreamSession,
    server: string,
    request: { method: string; params?: Record<string, unknown> | undefined },
    call: CallContext,
    options: { name: string; retryable: boolean },
  ): Promise<Result>;
  subscribe(session: DownstreamSession, server: string, uri: string, as: string): Promise<void>;
  unsubscribe(session: DownstreamSession, server: string, uri: string): Promise<void>;
}

/**
 * The MCP methods of a gateway session. Lists come from the aggregate (the supervisor's cached
 * lists, never a request per list); calls go to one replica each; logging/setLevel and ping are
 * answered here, per session, and never forwarded.
 */
export function serveSession(session: DownstreamSession, core: GatewayCore): void {
  const { server, view } = session;
  const agg = (): Aggregate => core.aggregateOf(view);
  const call = (extra: unknown): CallContext => extra as CallContext;
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: agg().tools }));
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: agg().prompts }));
  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: agg().resources }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: agg().resourceTemplates,
  }));

  const target = (name: string, kind: 'tool' | 'prompt') => {
    const found = core.resolve(view, name);
    if (found !== undefined) return found;
    return unknown(name, kind);
  };

  function unknown(name: string, kind: 'tool' | 'prompt'): never {
    const a = agg();
    const names = (kind === 'tool' ? a.tools : a.prompts).map((p) => p.name);
    const near = closest(name, names);
    throw rpcError(
      ErrorCode.InvalidParams,
      `Unknown ${kind} ${JSON.stringify(shortened(name))}${view.prefixed ? ` (${kind}s here are named <server>__<${kind}>)` : ''}${near === undefined ? '' : `; did you mean "${near}"?`}`,
    );
  }

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { server: member, name } = target(request.params.name, 'tool');
    const a = agg();
    const tool = a.tools.find((t) => t.name === request.params.name);
    // A server that is listed and lacks the tool: the protocol's error, as for an unknown prefix
    // (its SDK would make it a tool error). One that is down gets the call, and says why it fails.
    if (tool === undefined && a.servers.includes(member)) unknown(request.params.name, 'tool');
    const retryable =
      tool?.annotations?.readOnlyHint === true || tool?.annotations?.idempotentHint === true;
    try {
      return (await core.forward(
        session,
        member,
        { method: request.method, params: { ...request.params, name } },
        call(extra),
        { name, retryable },
      )) as CallToolResult;
    } catch (error) {
      // A server that is down is the tool's failure, for the model to read; protocol errors pass.
      if (!(error instanceof Unavailable)) throw error;
      return { content: [{ type: 'text', text: error.message }], isError: true };
    }
  });

  const unavailable = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof Unavailable) throw rpcError(ErrorCode.InternalError, error.message);
      throw error;
    }
  };

  server.setRequestHandler(GetPromptRequestSchema, (request, extra) => {
    const { server: member, name } = target(request.params.name, 'prompt');
    return unavailable(
      () =>
        core.forward(
          session,
          member,
          { method: request.method, params: { ...request.params, name } },
          call(extra),
          { name, retryable: true },
        ) as never,
    );
  });

  const resource = (uri: string) => {
    const found = agg().routeUri(uri);
    if (found === undefined)
      // -32002: the spec's "resource not found".
      throw rpcError(-32002, `Resource not found: no server of this endpoint has ${uri}`);
    return found;
  };

  server.setRequestHandler(ReadResourceRequestSchema, (request, extra) => {
    const found = resource(request.params.uri);
    return unavailable(async () => {
      const result = (await core.forward(
        session,
        found.server,
        { method: request.method, params: { ...request.params, uri: found.uri } },
        call(extra),
        { name: found.uri, retryable: true },
      )) as { contents?: { uri?: string }[] };
      // A rewritten URI (two servers list it) is the one this client knows.
      if (found.uri !== request.params.uri)
        for (const content of result.contents ?? [])
          if (content.uri === found.uri) content.uri = request.params.uri;
      return result as never;
    });
  });

  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const found = resource(request.params.uri);
    await unavailable(() => core.subscribe(session, found.server, found.uri, request.params.uri));
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    const found = resource(request.params.uri);
    await core.unsubscribe(session, found.server, found.uri);
    return {};
  });

  server.setRequestHandler(CompleteRequestSchema, (request, extra) => {
    const ref = request.params.ref;
    let routed: { server: string; ref: typeof ref };
    if (ref.type === 'ref/prompt') {
      const found = target(ref.name, 'prompt');
      routed = { server: found.server, ref: { ...ref, name: found.name } };
    } else {
      const owner = agg().routeTemplate(ref.uri) ?? resource(ref.uri).server;
      routed = { server: owner, ref };
    }
    return unavailable(
      () =>
        core.forward(
          session,
          routed.server,
          { method: request.method, params: { ...request.params, ref: routed.ref } },
          call(extra),
          { name: ref.type === 'ref/prompt' ? ref.name : ref.uri, retryable: true },
        ) as never,
    );
  });

  // Per session: one upstream level would be shared by every client.
  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    session.level = request.params.level;
    return {};
  });
}

/** A name as quoted back in an error: whole up to 128 characters (tool names have at most 64). */
function shortened(name: string): string {
  return name.length <= 128 ? name : `${name.slice(0, 128)}… (${name.length} characters)`;
}
