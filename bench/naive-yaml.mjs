// The naive reference: the whole ResourceList through one `yaml` Document (parseDocument, then
// toString), the straightforward way to keep comments with the `yaml` package.
import { parseDocument } from 'yaml';
import { readFileSync } from 'node:fs';

const document = parseDocument(readFileSync(0, 'utf8'));
if (document.errors.length > 0) {
  process.stderr.write(`naive: ${document.errors[0].message}\n`);
  process.exitCode = 1;
}
process.stdout.write(document.toString());
