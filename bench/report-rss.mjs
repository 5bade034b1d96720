// Preloaded (`node --import`) into measured node processes when /usr/bin/time is missing: writes
// the process's peak RSS in KiB to the file named by BENCH_RSS_FILE as it exits.
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_RSS_FILE;
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
