// End-to-end tests: the real reference server (with a fresh SQLite file),
// the real widget and inbox, in headless Chromium. `cargo xtask test` builds
// everything first and passes BATON_E2E_PORT and BATON_CHROMIUM.
import { defineConfig } from '@playwright/test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const port = Number(process.env.BATON_E2E_PORT ?? 18080);
const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-'));
// A stub LibreTranslate (translate-stub.mjs) for the inbox's Translate.
const translatePort = Number(process.env.BATON_TRANSLATE_STUB_PORT ?? port + 1000);
// A stand-in SMTP relay (smtp-sink.mjs): the server's emails (answers to
// left messages, transcripts) land there, and specs read them over HTTP.
const smtpPort = Number(process.env.BATON_SMTP_STUB_PORT ?? port + 2000);
// Specs read the mails at http://127.0.0.1:${smtpPort + 1}/mails (support.ts `mails`).
// The demo's config, plus the email sender pointed at the sink. Its relative
// paths (knowledge files) are made absolute, as the copy lives elsewhere.
const demoDir = resolve(__dirname, '..', 'demo');
const config = join(dataDir, 'baton.toml');
writeFileSync(
  config,
  readFileSync(join(demoDir, 'baton.toml'), 'utf8').replace(
    /(knowledge\s*=\s*")([^"/][^"]*)"/g,
    (_, key, file) => `${key}${join(demoDir, file)}"`,
  ) +
    `\n[notify.email]\nsmtp_host = "127.0.0.1"\nsmtp_port = ${smtpPort}\n` +
    `from = "Fernwood support <support@shop.example>"\nsite_name = "Fernwood"\n`,
);
// Cargo's target directory (xtask passes it: CARGO_TARGET_DIR may move it).
const target = process.env.BATON_TARGET_DIR ?? '../target';

export default defineConfig({
  testDir: './e2e',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  // One server, shared operator availability: tests run one at a time.
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.BATON_CHROMIUM ?? '/usr/bin/chromium',
      // Headless Chromium as root, on a machine with a closed network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: [
    {
      command: `node translate-stub.mjs ${translatePort}`,
      url: `http://127.0.0.1:${translatePort}/`,
      reuseExistingServer: false,
      timeout: 10_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `node smtp-sink.mjs ${smtpPort} ${smtpPort + 1}`,
      url: `http://127.0.0.1:${smtpPort + 1}/`,
      reuseExistingServer: false,
      timeout: 10_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command:
        `${target}/debug/baton-server --demo --config ${config} --listen 127.0.0.1:${port} --data-dir ${dataDir} ` +
        `--web-dir ${target}/web --site-dir ../demo/site --translate-url http://127.0.0.1:${translatePort}`,
      url: `http://127.0.0.1:${port}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
