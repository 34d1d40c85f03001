// A stand-in SMTP relay for the end-to-end tests: it accepts every mail on
// SMTP_PORT (plain SMTP, no auth, as `[notify.email]` with neither `tls` nor
// `starttls` speaks it) and lists what it received as JSON on HTTP_PORT:
// GET /mails → [{ from, to: [..], subject, body }] (body decoded from
// base64 or quoted-printable); GET / answers "ok" (readiness).
// Usage: node tests/smtp-sink.mjs SMTP_PORT HTTP_PORT
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp } from 'node:net';

const smtpPort = Number(process.argv[2] ?? 20080);
const httpPort = Number(process.argv[3] ?? 20081);
const mails = [];

function decode(raw) {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  let body = raw.slice(split + 4);
  const header = (name) => head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? '';
  const encoding = header('content-transfer-encoding').toLowerCase();
  if (encoding === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => `%${h}`);
    body = decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  }
  let subject = header('subject');
  // RFC 2047 encoded words (=?utf-8?b?…?= / =?utf-8?q?…?=).
  subject = subject.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, kind, text) =>
    kind.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decodeURIComponent(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, '%$1')),
  );
  return { subject, body: body.replace(/\r\n/g, '\n') };
}

createTcp((socket) => {
  let buffer = '';
  let inData = false;
  let mail = { from: '', to: [], data: '' };
  socket.write('220 sink.test ESMTP\r\n');
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let at;
    while ((at = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          mails.push({ from: mail.from, to: mail.to, ...decode(mail.data) });
          mail = { from: '', to: [], data: '' };
          socket.write('250 OK queued\r\n');
        } else mail.data += `${line.startsWith('.') ? line.slice(1) : line}\r\n`;
        continue;
      }
      const upper = line.toUpperCase();
      if (upper.startsWith('EHLO')) socket.write('250-sink.test\r\n250 8BITMIME\r\n');
      else if (upper.startsWith('MAIL FROM:')) {
        mail.from = line.slice(10).trim().replace(/^<|>.*$/g, '');
        socket.write('250 OK\r\n');
      } else if (upper.startsWith('RCPT TO:')) {
        mail.to.push(line.slice(8).trim().replace(/^<|>$/g, ''));
        socket.write('250 OK\r\n');
      } else if (upper === 'DATA') {
        inData = true;
        socket.write('354 go ahead\r\n');
      } else if (upper === 'QUIT') {
        socket.end('221 bye\r\n');
      } else socket.write('250 OK\r\n');
    }
  });
  socket.on('error', () => {});
}).listen(smtpPort, '127.0.0.1');

createHttp((req, res) => {
  res.writeHead(200, { 'content-type': req.url === '/mails' ? 'application/json' : 'text/plain' });
  res.end(req.url === '/mails' ? JSON.stringify(mails) : 'ok');
}).listen(httpPort, '127.0.0.1');
