// The parse floor: the least any function that reads its input as YAML must do. Reads the whole
// ResourceList, parses it with js-yaml (fast, no comment or position bookkeeping) and echoes the
// input text. Measured beside the function to tell YAML parsing from the function's own work.
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';

const input = readFileSync(0, 'utf8');
const resourceList = /** @type {{ items?: unknown[] }} */ (load(input));
if (!Array.isArray(resourceList?.items)) {
  process.stderr.write('floor: input has no items list\n');
  process.exitCode = 1;
}
// process.exit() could cut a large write to a pipe short; letting the loop drain keeps it whole.
process.stdout.write(input);
