// The cost of a node process that only copies stdin to stdout: startup plus I/O, nothing parsed.
process.stdin.pipe(process.stdout);
