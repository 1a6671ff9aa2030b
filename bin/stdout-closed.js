// A reader that stops early (`mcpx list | head -1`) closes the pipe. Like a Unix tool the command
// does not fail for it, and unlike one it is not killed half way (`mcpx new server` must finish or
// undo its work): later writes to stdout are dropped and the command ends with its own exit code.
// Commands that only produce output (mcpx logs --follow, mcpx dev) listen for this and stop.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') {
    process.stdout.write = (_chunk, encoding, callback) => {
      (typeof encoding === 'function' ? encoding : callback)?.();
      return true;
    };
    // Release whoever already waits for the dead pipe to drain (oclif's final flush).
    process.stdout.emit('drain');
  } else if (process.stdout.listenerCount('error') === 1) throw error;
});
