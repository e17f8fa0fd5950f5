#!/usr/bin/env node
// The browser's inclusion-proof check (src/merkle.ts) against the RFC 6962 verification vectors in
// shared/vectors/merkle/inclusion: every vector must be accepted or refused as it says.
//
// Usage: node test/merkle_vectors.mjs [VECTORS_DIR]  (default: ../shared/vectors/merkle beside the project)
// Exit status 0 when every vector gives the expected answer, 1 otherwise.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const vectors = resolve(process.argv[2] ?? join(here, '..', '..', '..', 'shared', 'vectors', 'merkle'));

// The module as the browser gets it: TypeScript transpiled to JavaScript.
const source = readFileSync(join(here, '..', 'src', 'merkle.ts'), 'utf8');
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const tmp = mkdtempSync(join(tmpdir(), 'holdfast-merkle-'));
let failures = 0;
let count = 0;
try {
  writeFileSync(join(tmp, 'merkle.mjs'), js);
  const { verifyInclusion } = await import(pathToFileURL(join(tmp, 'merkle.mjs')).href);
  const b64 = (s) => (s == null ? new Uint8Array() : Uint8Array.from(Buffer.from(s, 'base64')));
  const dir = join(vectors, 'inclusion');
  for (const sub of readdirSync(dir).sort()) {
    for (const name of readdirSync(join(dir, sub)).filter((n) => n.endsWith('.json')).sort()) {
      const v = JSON.parse(readFileSync(join(dir, sub, name), 'utf8'));
      const wrong = await verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root));
      ++count;
      if ((wrong !== null) !== v.wantErr) {
        ++failures;
        console.error(`FAIL inclusion/${sub}/${name} (${v.desc}): ${wrong ?? 'accepted'}, want ${v.wantErr ? 'refused' : 'accepted'}`);
      }
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (count === 0) {
  console.error(`FAIL: no vectors found under ${vectors}/inclusion`);
  process.exit(1);
}
console.log(`${count - failures} of ${count} inclusion vectors gave the expected answer`);
process.exit(failures ? 1 : 0);
