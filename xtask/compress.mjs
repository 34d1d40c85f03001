// `node xtask/compress.mjs DIR`: writes FILE.br (brotli, quality 11) and
// FILE.gz (gzip -9) beside every text and WebAssembly file in DIR, for the
// server to send by Accept-Encoding. Run by `cargo xtask build-web`.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node xtask/compress.mjs DIR');
  process.exit(2);
}
for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (!/\.(js|css|wasm|html|svg|json)$/.test(name) || !statSync(path).isFile()) continue;
  const data = readFileSync(path);
  writeFileSync(`${path}.br`, brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  }));
  writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
}
