// A stand-in for a LibreTranslate server in the end-to-end tests: POST
// /translate answers {"translatedText": "[<target>] <Q IN CAPITALS>"}, a deterministic
// transform a test can tell from the original (which never appears in it
// with its own case), after 1 s when the text contains "(slow)", so a test
// can hold one translation in flight; GET / answers "ok" (readiness).
// Usage: node tests/translate-stub.mjs PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 19080);

createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/translate') {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      let answer;
      try {
        const { q, target } = JSON.parse(body);
        answer = { translatedText: `[${target}] ${String(q).toUpperCase()}` };
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'bad request' }));
        return;
      }
      const reply = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      if (String(JSON.parse(body).q).includes('(slow)')) setTimeout(reply, 1_000);
      else reply();
    });
    return;
  }
  res.writeHead(req.method === 'GET' ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(req.method === 'GET' ? 'ok' : 'not found');
}).listen(port, '127.0.0.1');
