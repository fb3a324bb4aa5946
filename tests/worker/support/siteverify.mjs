// A local stand-in for Cloudflare Turnstile's siteverify endpoint, which this
// machine cannot reach. It answers as Cloudflare documents for its published
// test secret keys (developers.cloudflare.com/turnstile/troubleshooting/testing):
//   1x0000000000000000000000000000000AA  always passes
//   2x0000000000000000000000000000000AA  always fails   (invalid-input-response)
//   3x0000000000000000000000000000000AA  token already spent (timeout-or-duplicate)
// and, like siteverify, refuses a request without a secret or a response
// (missing-input-secret / missing-input-response) and any other secret
// (invalid-input-secret). It takes siteverify's form or JSON bodies.
// Usage: node siteverify.mjs [PORT]   (0 or none: any free port; prints
// "listening on http://127.0.0.1:PORT" when ready)
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const SECRETS = {
  '1x0000000000000000000000000000000AA': { success: true, 'error-codes': [] },
  '2x0000000000000000000000000000000AA': { success: false, 'error-codes': ['invalid-input-response'] },
  '3x0000000000000000000000000000000AA': { success: false, 'error-codes': ['timeout-or-duplicate'] },
};
let seen = 0;

createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const reply = (status, v) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    if (req.method === 'GET' && req.url === '/calls') return reply(200, { calls: seen });
    if (req.method !== 'POST' || req.url !== '/turnstile/v0/siteverify') return reply(404, { success: false });
    seen++;
    let fields;
    if ((req.headers['content-type'] ?? '').startsWith('application/json')) {
      try { fields = JSON.parse(body); } catch { return reply(400, { success: false, 'error-codes': ['bad-request'] }); }
    } else {
      fields = Object.fromEntries(new URLSearchParams(body));
    }
    const errors = [];
    if (!fields.secret) errors.push('missing-input-secret');
    if (!fields.response) errors.push('missing-input-response');
    if (errors.length) return reply(200, { success: false, 'error-codes': errors });
    const verdict = SECRETS[fields.secret];
    if (!verdict) return reply(200, { success: false, 'error-codes': ['invalid-input-secret'] });
    const ok = verdict.success
      ? { ...verdict, challenge_ts: new Date().toISOString(), hostname: 'localhost', action: '', cdata: '' }
      : verdict;
    reply(200, ok);
  });
}).listen(port, '127.0.0.1', function () {
  console.log(`listening on http://127.0.0.1:${this.address().port}`);
});
