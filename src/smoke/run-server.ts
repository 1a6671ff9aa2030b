import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { Ajv as Ajv07 } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Workspace } from '../manifest/load.js';
import type { SmokeCase } from '../manifest/schema.js';
import type { ServerConfig } from '../manifest/servers.js';
import { Instance, StartError } from '../supervisor/instance.js';
import { PidFiles } from '../supervisor/pidfiles.js';
import { instanceSpec } from '../supervisor/spec.js';
import {
  type RawSurface,
  type Surface,
  changeLine,
  diffSurfaces,
  listRaw,
  surfaceOf,
} from '../server/surface.js';
import { CHECKS, type CheckName, type CheckResult, type ServerReport } from './types.js';

/** Tool names as the spec allows them. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** What most LLM APIs accept for a (prefixed) function name. */
const CLIENT_LIMIT = 64;

export interface SmokeServerInput {
  workspace: Workspace;
  server: ServerConfig;
  /** e.g. `mcp__{server}__`. */
  clientPrefix: string;
  cases: readonly SmokeCase[];
  /** The committed surface of this server; undefined when there is none. */
  snapshot: Surface | undefined;
  /** Whether a snapshot file exists at all (to say what to do when it does not). */
  snapshotFile: string | undefined;
  update: boolean;
  parentEnv: NodeJS.ProcessEnv;
  /** Ctrl-C: stop the server (and its tree) now; the checks still to run fail fast and are not reported. */
  signal?: AbortSignal | undefined;
}

/**
 * Starts one server exactly as `mcpx dev` does, runs the nine checks against it as an MCP client,
 * and stops it. Never throws for the server's faults: they are check results.
 */
export async function smokeServer(
  input: SmokeServerInput,
): Promise<{ report: ServerReport; surface: Surface | undefined }> {
  const started = performance.now();
  const { server } = input;
  const name = server.name;
  const checks: CheckResult[] = [];
  const report: ServerReport = {
    server: name,
    transport: server.transport,
    role: server.entry.role,
    checks,
    stderr: [],
    ms: 0,
  };
  const skipRest = (why: string): void => {
    for (const check of CHECKS) {
      if (!checks.some((c) => c.name === check))
        checks.push({ name: check, status: 'skip', ms: 0, message: why });
    }
  };
  const timed = async (
    check: CheckName,
    run: () => Promise<Omit<CheckResult, 'name' | 'ms'>>,
  ): Promise<CheckResult> => {
    const t = performance.now();
    let result: Omit<CheckResult, 'name' | 'ms'>;
    try {
      result = await run();
    } catch (error) {
      result = { status: 'fail', message: error instanceof Error ? error.message : String(error) };
    }
    const full = { name: check, ms: Math.round(performance.now() - t), ...result };
    checks.push(full);
    return full;
  };

  // 1. start: the process, initialize, within the start timeout.
  let instance: Instance | undefined;
  const pidRecord = PidFiles.of(input.workspace.root).track(name, 0);
  const start = await timed('start', async () => {
    const spec = await instanceSpec({
      workspace: input.workspace,
      server,
      replica: 0,
      parentEnv: input.parentEnv,
      startTimeout: server.smoke.startTimeout,
      list: false,
    });
    try {
      instance = await Instance.start(spec, {
        onEvent: () => undefined,
        onSpawn: pidRecord.onSpawn,
        ...(input.signal === undefined ? {} : { signal: input.signal }),
      });
    } catch (error) {
      await pidRecord.forget();
      // StartError says what happened (the exit, the missing folder, the busy port, the phase
      // that ran out of time); a timeout is only one of them.
      if (error instanceof StartError) report.stderr = error.stderr.slice(-10);
      throw error;
    }
    const info = instance.client.getServerVersion();
    if (info !== undefined) report.serverInfo = { name: info.name, version: info.version };
    if (instance.protocolVersion !== undefined) report.protocolVersion = instance.protocolVersion;
    return {
      status: 'pass',
      message: `initialized in ${instance.readyMs} ms: ${info?.name ?? '?'} ${info?.version ?? '?'}, protocol ${instance.protocolVersion ?? 'unknown'}`,
    };
  });
  const running = instance;
  if (start.status === 'fail' || running === undefined) {
    skipRest('the server did not start');
    report.ms = Math.round(performance.now() - started);
    return { report, surface: undefined };
  }
  const client = running.client;
  const interrupt = (): void =>
    void running.stop({ graceMs: 0, termMs: 1000 }).catch(() => undefined);
  if (input.signal?.aborted) interrupt();
  input.signal?.addEventListener('abort', interrupt, { once: true });

  // 2. capabilities: every declared kind lists.
  let surface: RawSurface | undefined;
  await timed('capabilities', async () => {
    surface = await listRaw(client, 10_000);
    const declared = Object.keys(client.getServerCapabilities() ?? {}).sort();
    return {
      status: 'pass',
      message: `${surface.tools.length} tools, ${surface.resources.length} resources, ${surface.resourceTemplates.length} resource templates, ${surface.prompts.length} prompts (declared: ${declared.join(', ') || 'nothing'})`,
    };
  });
  const listed = surface;

  // 3. role: only the primitives the role allows; read-only tools where it demands them.
  await timed('role', async () => {
    if (listed === undefined) return { status: 'skip', message: 'nothing listed' };
    const role = server.role;
    if (role === undefined)
      return { status: 'skip', message: 'no "role" in mcpx.json for this server' };
    const problems: string[] = [];
    const exposed = {
      tools: listed.tools.map((t) => t.name),
      resources: [
        ...listed.resources.map((r) => r.uri),
        ...listed.resourceTemplates.map((t) => t.uriTemplate),
      ],
      prompts: listed.prompts.map((p) => p.name),
    };
    for (const kind of ['tools', 'resources', 'prompts'] as const) {
      if (exposed[kind].length > 0 && !role.primitives.includes(kind)) {
        problems.push(
          `exposes ${kind} (${exposed[kind].slice(0, 5).join(', ')}), which role "${role.name}" does not allow`,
        );
      }
    }
    if (role.readOnlyTools) {
      const writable = listed.tools
        .filter((t) => t.annotations?.readOnlyHint !== true)
        .map((t) => t.name);
      if (writable.length > 0) {
        problems.push(
          `role "${role.name}" needs read-only tools; not annotated readOnlyHint: true: ${writable.join(', ')}`,
        );
      }
    }
    return problems.length === 0
      ? {
          status: 'pass',
          message: `exposes only what role "${role.name}" allows (${role.primitives.join(', ')})`,
        }
      : { status: 'fail', message: problems[0] ?? '', details: problems.slice(1) };
  });

  // 4. names and schemas.
  await timed('names and schemas', async () => {
    if (listed === undefined) return { status: 'skip', message: 'nothing listed' };
    return checkNamesAndSchemas(listed.tools, input.clientPrefix.replaceAll('{server}', name));
  });

  // 6. ping (5 and 9 come after the calls, so they cover the whole session).
  await timed('ping', async () => {
    await client.ping({ timeout: 5000 });
    return { status: 'pass', message: 'answered' };
  });

  // 7. example calls.
  await timed('example calls', async () => {
    if (input.cases.length === 0) {
      return {
        status: 'skip',
        message: `no cases; add "smoke": {"cases": [...]} to ${name} in mcpx.json`,
      };
    }
    const failures: string[] = [];
    for (const c of input.cases) {
      const problem = await runCase(client, c, listed?.tools ?? []);
      if (problem !== undefined) failures.push(`${caseName(c)}: ${problem}`);
    }
    return failures.length === 0
      ? { status: 'pass', message: `${input.cases.length} of ${input.cases.length} cases passed` }
      : {
          status: 'fail',
          message: `${failures.length} of ${input.cases.length} cases failed`,
          details: failures,
        };
  });

  // 8. surface snapshot.
  const current = listed === undefined ? undefined : surfaceOf(listed);
  await timed('surface snapshot', async () => {
    if (current === undefined) return { status: 'skip', message: 'nothing listed' };
    if (input.update) return { status: 'pass', message: 'snapshot updated' };
    if (input.snapshot === undefined) {
      return {
        status: 'skip',
        message:
          input.snapshotFile === undefined
            ? 'no snapshot yet; run `mcpx smoke --update` and commit the file'
            : `not in ${input.snapshotFile}; run \`mcpx smoke --update --server ${name}\``,
      };
    }
    const changes = diffSurfaces(input.snapshot, current);
    const breaking = changes.filter((c) => c.kind === 'breaking').map(changeLine);
    const additions = changes.filter((c) => c.kind === 'additive').map(changeLine);
    if (breaking.length > 0) {
      return {
        status: 'fail',
        message: `${breaking.length} breaking change${breaking.length === 1 ? '' : 's'} against the snapshot (if intended, run \`mcpx smoke --update\`)`,
        details: [...breaking.map((line) => `- ${line}`), ...additions.map((line) => `+ ${line}`)],
      };
    }
    return {
      status: 'pass',
      message:
        additions.length === 0
          ? 'matches the snapshot'
          : `compatible; ${additions.length} addition${additions.length === 1 ? '' : 's'}`,
      ...(additions.length === 0 ? {} : { details: additions.map((line) => `+ ${line}`) }),
    };
  });

  // 5. clean stdout, over the whole session.
  await timed('clean stdout', async () => {
    if (server.transport !== 'stdio') return { status: 'skip', message: 'not a stdio server' };
    const lines = running.stdoutPollution;
    return lines.length === 0
      ? { status: 'pass', message: 'nothing but JSON-RPC on stdout' }
      : {
          status: 'fail',
          message: `${lines.length}${lines.length === 100 ? '+' : ''} non-JSON-RPC line(s) on stdout; log to stderr instead`,
          details: lines.slice(0, 5).map((line) => JSON.stringify(line.slice(0, 200))),
        };
  });

  // 9. stop within the shutdown timeout.
  const { stopTimeout } = server.smoke;
  await timed('stop', async () => {
    if (server.remote) {
      await running.stop();
      return { status: 'skip', message: 'a remote server: mcpx does not stop it' };
    }
    const t = performance.now();
    // The server's own exit: ending what it left running afterwards is not its stop time.
    const exitedAt = running.exited.then(() => performance.now());
    const step = await running.stop({
      graceMs: Math.round(stopTimeout / 2),
      termMs: stopTimeout - Math.round(stopTimeout / 2),
    });
    const ms = Math.round((await exitedAt) - t);
    const left =
      running.leftovers === 0
        ? ''
        : `; then mcpx stopped ${running.leftovers} process${running.leftovers === 1 ? '' : 'es'} it had started and left running`;
    return step === 'SIGKILL'
      ? {
          status: 'fail',
          message: `did not exit within ${stopTimeout} ms of stdin closing and SIGTERM; killed it${left}`,
        }
      : {
          status: 'pass',
          message: `exited in ${ms} ms after ${step === 'stdin' ? 'stdin closed' : 'SIGTERM'}${left}`,
        };
  });
  input.signal?.removeEventListener('abort', interrupt);
  await pidRecord.forget();

  report.stderr = running.stderrTail.slice(-10);
  checks.sort((a, b) => CHECKS.indexOf(a.name) - CHECKS.indexOf(b.name));
  report.ms = Math.round(performance.now() - started);
  return { report, surface: current };
}

type AnyAjv =
  InstanceType<typeof Ajv2020> | InstanceType<typeof Ajv07> | InstanceType<typeof Ajv2019>;

/**
 * A validator for the dialect a schema declares: MCP (2025-11-25) takes JSON Schema 2020-12 when
 * `$schema` is absent, and the SDK's zod conversion declares draft-07.
 */
function ajvFor(schema: unknown): AnyAjv {
  const dialect = (schema as { $schema?: unknown } | null)?.$schema;
  const options = { strict: false, allErrors: true, validateFormats: true } as const;
  let ajv: AnyAjv;
  if (dialect === undefined || (typeof dialect === 'string' && dialect.includes('2020-12')))
    ajv = new Ajv2020(options);
  else if (typeof dialect === 'string' && dialect.includes('2019-09')) ajv = new Ajv2019(options);
  else if (typeof dialect === 'string' && /draft-0[67]/.test(dialect)) ajv = new Ajv07(options);
  else
    throw new Error(
      `unsupported $schema ${JSON.stringify(dialect)}; use JSON Schema 2020-12 (or draft-07)`,
    );
  (addFormats as unknown as (a: AnyAjv) => void)(ajv);
  return ajv;
}

function checkNamesAndSchemas(
  tools: readonly Tool[],
  prefix: string,
): Omit<CheckResult, 'name' | 'ms'> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const tool of tools) {
    if (!TOOL_NAME.test(tool.name))
      problems.push(`tool name ${JSON.stringify(tool.name)} does not match ${TOOL_NAME.source}`);
    if (seen.has(tool.name)) problems.push(`tool name "${tool.name}" is used twice`);
    seen.add(tool.name);
    const full = prefix + tool.name;
    if (full.length > CLIENT_LIMIT) {
      problems.push(
        `"${full}" is ${full.length} characters with the client prefix "${prefix}"; most clients allow ${CLIENT_LIMIT}`,
      );
    }
    for (const [which, schema] of [
      ['inputSchema', tool.inputSchema],
      ['outputSchema', tool.outputSchema],
    ] as const) {
      if (schema === undefined) continue;
      try {
        ajvFor(schema).compile(schema);
      } catch (error) {
        problems.push(
          `tool "${tool.name}" ${which} is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    if (tool.description === undefined || tool.description.trim() === '') {
      warnings.push(`tool "${tool.name}" has no description: models choose tools by it`);
    }
  }
  if (problems.length > 0)
    return {
      status: 'fail',
      message: problems[0] ?? '',
      details: [...problems.slice(1), ...warnings],
    };
  if (warnings.length > 0)
    return { status: 'warn', message: warnings[0] ?? '', details: warnings.slice(1) };
  if (tools.length === 0) return { status: 'pass', message: 'no tools' };
  const longest = Math.max(...tools.map((t) => (prefix + t.name).length));
  return {
    status: 'pass',
    message: `${tools.length} tool names and their schemas are valid; the longest is ${longest} characters with the prefix "${prefix}"`,
  };
}

function caseName(c: SmokeCase): string {
  if (c.name !== undefined) return c.name;
  const target =
    c.tool !== undefined
      ? `tool ${c.tool}`
      : c.resource !== undefined
        ? `resource ${c.resource}`
        : `prompt ${c.prompt ?? ''}`;
  return `${target}${c.arguments === undefined ? '' : ` ${JSON.stringify(c.arguments)}`}`;
}

/** Runs one case; undefined when it met its expectations, else what went wrong. */
async function runCase(
  client: Client,
  c: SmokeCase,
  tools: readonly Tool[],
): Promise<string | undefined> {
  const timeout = c.timeout ?? 5000;
  const expectError = c.expect?.error ?? false;
  let text: string;
  let structured: unknown;
  let isError = false;
  const t = performance.now();
  try {
    if (c.tool !== undefined) {
      const result = (await client.callTool(
        { name: c.tool, arguments: c.arguments ?? {} },
        undefined,
        { timeout },
      )) as CallToolResult;
      isError = result.isError === true;
      text = result.content
        .map((block) => (block.type === 'text' ? block.text : `[${block.type}]`))
        .join('\n');
      structured = result.structuredContent;
      const schema = tools.find((tool) => tool.name === c.tool)?.outputSchema;
      if (!isError && schema !== undefined) {
        if (structured === undefined)
          return 'the tool has an outputSchema but returned no structuredContent';
        const ajv = ajvFor(schema);
        const validate = ajv.compile(schema);
        if (!validate(structured))
          return `structuredContent does not match the outputSchema: ${ajv.errorsText(validate.errors)}`;
      }
    } else if (c.resource !== undefined) {
      const result = await client.readResource({ uri: c.resource }, { timeout });
      text = result.contents
        .map((content) => ('text' in content ? content.text : '[blob]'))
        .join('\n');
    } else {
      const args = Object.fromEntries(
        Object.entries(c.arguments ?? {}).map(([k, v]) => [k, String(v)]),
      );
      const result = await client.getPrompt({ name: c.prompt ?? '', arguments: args }, { timeout });
      text = result.messages
        .map((m) => (m.content.type === 'text' ? m.content.text : `[${m.content.type}]`))
        .join('\n');
    }
  } catch (error) {
    if (expectError) return undefined;
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (performance.now() - t > timeout)
    return `took ${Math.round(performance.now() - t)} ms; the limit is ${timeout} ms`;
  if (isError !== expectError) {
    return isError ? `returned isError: ${text.slice(0, 200)}` : 'expected an error, got a result';
  }
  const expect = c.expect ?? {};
  if (expect.text !== undefined && !text.includes(expect.text)) {
    return `expected the text to contain ${JSON.stringify(expect.text)}, got ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (expect.matches !== undefined && !new RegExp(expect.matches).test(text)) {
    return `expected the text to match /${expect.matches}/, got ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (expect.structured !== undefined) {
    const mismatch = partialMismatch(expect.structured, structured, 'structuredContent');
    if (mismatch !== undefined) return mismatch;
  }
  return undefined;
}

/** Where `actual` differs from the fields `expected` names (arrays compare whole); undefined if nowhere. */
export function partialMismatch(
  expected: unknown,
  actual: unknown,
  path: string,
): string | undefined {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    }
    for (const [key, value] of Object.entries(expected)) {
      const problem = partialMismatch(
        value,
        (actual as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return JSON.stringify(expected) === JSON.stringify(actual)
    ? undefined
    : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
