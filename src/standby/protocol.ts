// What mcpx and a standby say to each other over its IPC channel. Only Node's builtins and types
// here: the standby's own files import this.

/** The environment variable naming the file of learned modules (see learn.ts). */
export const LEARN_VAR = 'MCPX_STANDBY_LEARN';

/** The standby has imported what it could of the learned modules. */
export interface ReadyMessage {
  type: 'ready';
  imported: number;
  failed: number;
}

/** Become the server: with its environment (PORT included) and its entry and arguments. */
export interface PromoteMessage {
  type: 'promote';
  env: Record<string, string>;
  /** Absolute path of the entry script. */
  entry: string;
  args: string[];
}
