/**
 * Single-key commands for `mcpx dev` on a terminal: raw mode on stdin, one callback per key, Ctrl-C
 * still stops (raw mode swallows the SIGINT the terminal would send). Returns a function that
 * restores the terminal.
 */
export function listenForKeys(
  handlers: Record<string, () => void>,
  onInterrupt: () => void,
): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => {};
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  const onData = (key: string): void => {
    if (key === '\u0003') onInterrupt();
    else handlers[key.toLowerCase()]?.();
  };
  stdin.on('data', onData);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
  };
}
