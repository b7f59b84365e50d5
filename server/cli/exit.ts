/**
 * Ends a command with `code` once what it printed has been written. `process.exit` alone drops
 * output still queued for a pipe (`npm run sync | tee sync.log` lost its findings and summary
 * line past ~64 KB): an empty write's callback runs after everything written before it.
 */
export function exitAfterOutput(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
