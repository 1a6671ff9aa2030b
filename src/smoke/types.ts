/** What `mcpx smoke` reports: per server, per check, a status, a time and a reason. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** The checks, in the order they run and are reported (declared in src/smoke/checks/index.ts). */
export type CheckName =
  | 'start'
  | 'capabilities'
  | 'role'
  | 'names and schemas'
  | 'ping'
  | 'example calls'
  | 'surface snapshot'
  | 'clean stdout'
  | 'stop';

export interface CheckResult {
  name: CheckName;
  status: CheckStatus;
  ms: number;
  /** One line: what was found. */
  message: string;
  /** More lines: each problem, a diff. */
  details?: string[];
}

export interface ServerReport {
  server: string;
  transport: 'stdio' | 'http' | 'sse';
  role: string | undefined;
  /** From initialize. */
  serverInfo?: { name: string; version: string };
  protocolVersion?: string;
  checks: CheckResult[];
  /** The server's last stderr lines, shown with failures. */
  stderr: string[];
  ms: number;
}

export interface SmokeReport {
  root: string;
  servers: ServerReport[];
  passed: number;
  failed: number;
  skipped: number;
  warnings: number;
  /** 0 all passed, 1 a check failed, 4 a server could not be started or reached. */
  exitCode: 0 | 1 | 4;
  ms: number;
  /** Where --update wrote the snapshot. */
  snapshotWritten?: string;
  /** Problems of the workspace that do not fail the run (a smoke case for an unknown server). */
  notices?: string[];
}
