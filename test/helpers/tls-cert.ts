/**
 * A self-signed certificate for `localhost` / `127.0.0.1`, generated with the `openssl` binary the
 * first time a test asks (once per test process). Where openssl is missing, `OPENSSL` is false and
 * the TLS suites skip with a message.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether the `openssl` binary is there to make a certificate. */
export const OPENSSL = hasOpenssl();

let made: { key: string; cert: string } | null = null;

/** The PEM key and certificate (made on first use). @throws when openssl is missing */
export function testCertificate(): { key: string; cert: string } {
  if (made !== null) return made;
  const dir = mkdtempSync(join(tmpdir(), 'shallot-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    made = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    return made;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
