// Validates an AsyncAPI document with the official parser (@asyncapi/parser), resolving the
// relative $refs to schemas/json/*.json. Prints one JSON line per diagnostic and a summary line
// with the channel addresses; exits 1 when the parser reports an error.
import { resolve } from 'node:path';
import { Parser, fromFile } from '@asyncapi/parser';

const SEVERITY = ['error', 'warning', 'info', 'hint'];
const file = resolve(process.argv[2] ?? 'schemas/asyncapi.yaml');
const { document, diagnostics } = await fromFile(new Parser(), file).parse();
for (const d of diagnostics) {
  console.log(JSON.stringify({
    severity: SEVERITY[d.severity] ?? String(d.severity),
    code: d.code,
    path: d.path.join('.'),
    message: d.message,
  }));
}
const errors = diagnostics.filter((d) => d.severity === 0).length;
const summary = { valid: document !== undefined && errors === 0, errors, channels: [] };
if (document !== undefined) {
  summary.channels = document.channels().all().map((c) => c.address()).sort();
}
console.log(JSON.stringify({ summary }));
process.exit(summary.valid ? 0 : 1);
