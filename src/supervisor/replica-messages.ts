import type { CrashLoopOptions } from './policies/crash-loop.js';
import type { LadderStep } from '../server/stop-ladder.js';
import { type InstanceEvent, type ReplicaInstance, StartFailed } from './replica-deps.js';
import { countSurface } from '../server/surface.js';

// What a replica says about its instances, apart from when it says it (replica.ts).

/** "ready in 412 ms (pid 4242, port 43117): 3 tools, 1 resources, 2 prompts". */
export function readyMessage(instance: ReplicaInstance): string {
  const counts = countSurface(instance.surface);
  const where =
    instance.pid === undefined
      ? ''
      : ` (pid ${instance.pid}${instance.port === undefined ? '' : `, port ${instance.port}`})`;
  return `ready in ${instance.readyMs} ms${where}: ${counts.tools} tools, ${counts.resources + counts.resourceTemplates} resources, ${counts.prompts} prompts`;
}

/** A blue/green reload's event, and its summary for `mcpx status`: "tools: +get_forecast". */
export function reloadedEvent(
  next: ReplicaInstance,
  changes: string[],
): { event: InstanceEvent; summary: string } {
  const summary = changes.length === 0 ? 'same tools, resources and prompts' : changes.join('; ');
  const advice =
    changes.length === 0
      ? ''
      : ' (clients that ignore notifications/tools/list_changed must reconnect to see it)';
  return {
    event: {
      stream: 'mcpx',
      level: 'info',
      msg: `reloaded in ${next.readyMs} ms: ${summary}${advice}`,
      data: { changes },
    },
    summary,
  };
}

/** "Crash loop: 5 failures within 30 s, so it stays down until ...". */
export function crashLoopMessage(failures: number, loop: CrashLoopOptions, server: string): string {
  return `Crash loop: ${failures} failures within ${Math.round(loop.window / 1000)} s, so it stays down until a file changes or \`mcpx restart ${server}\``;
}

/** The events of a stop that needed more than a polite request, if any. */
export function retiredEvents(instance: ReplicaInstance, step: LadderStep): InstanceEvent[] {
  const events: InstanceEvent[] = [];
  if (instance.leftovers > 0) {
    events.push({
      stream: 'mcpx',
      level: 'info',
      msg: `stopped ${instance.leftovers} process${instance.leftovers === 1 ? '' : 'es'} that pid ${instance.pid} had started and left running`,
    });
  }
  if (step === 'SIGKILL') {
    events.push({
      stream: 'mcpx',
      level: 'warning',
      msg: `pid ${instance.pid} ignored stdin close and SIGTERM; killed it with SIGKILL`,
    });
  }
  return events;
}

/**
 * The exit plus the last meaningful stderr lines: stack frames, caret lines and Node's version
 * banner are left out, so an uncaught error shows its message and where it was thrown.
 */
export function crashMessage(what: string, stderr: readonly string[]): string {
  const tail = stderr
    .filter((line) => line.trim() !== '' && !/^\s+at |^\s*\^+\s*$|^Node\.js v\d/.test(line))
    .slice(-5);
  return tail.length === 0 ? what : `${what}; last stderr: ${tail.join(' | ')}`;
}

/** Why a start failed: a StartFailed with the server's last stderr lines, or (a bug) anything else. */
export function startFailure(error: unknown): string {
  return error instanceof StartFailed ? crashMessage(error.message, error.stderr) : String(error);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
