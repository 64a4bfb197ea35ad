/**
 * The embedded API server's serving certificate: self-signed ECDSA P-256, generated at first start
 * and reused, so clients pin it through the kubeconfig's certificate-authority-data (the
 * certificate is its own CA) and never need insecure-skip-tls-verify.
 *
 * In: the data dir (and extra host names/IPs). Out: PEM cert, PEM key, caData (base64 of the cert
 * PEM). Files: `serving.crt` (0600), `serving.key` (0600). Regenerated when missing, unreadable,
 * expiring within 30 days, not matching its key, or not covering every requested host.
 * Never: logs or returns anything derived from the private key besides the PEM itself.
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509's tsyringe needs the Reflect metadata API at load
import * as x509 from '@peculiar/x509';
import { ensurePrivateDir, writeFileAtomic } from '../store/store-files.ts';

export interface ServingCert {
  cert: string;
  key: string;
  /** base64 of the certificate PEM, for a kubeconfig's `certificate-authority-data`. */
  caData: string;
}

export interface ServingCertOptions {
  /** Host names or IP addresses to cover besides 127.0.0.1, ::1 and localhost. */
  extraHosts?: string[];
  /** Milliseconds since the epoch (default Date.now()): the outermost caller's clock. */
  now?: number;
  /** Validity of a new certificate in days (default 365). */
  validityDays?: number;
}

export const DEFAULT_HOSTS = ['127.0.0.1', '::1', 'localhost'];
const CERT_FILE = 'serving.crt';
const KEY_FILE = 'serving.key';
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

// @peculiar/x509 wants the DOM's `Crypto` type, which this project's lib settings do not include;
// Node's webcrypto implements it. Take the type from the library's own signature.
type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
type X509KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
const webCrypto = webcrypto as unknown as X509Crypto;

export async function loadOrCreateServingCert(
  dataDir: string,
  opts: ServingCertOptions = {},
): Promise<ServingCert> {
  const now = opts.now ?? Date.now();
  const hosts = [...new Set([...DEFAULT_HOSTS, ...(opts.extraHosts ?? [])])];
  const certFile = join(dataDir, CERT_FILE);
  const keyFile = join(dataDir, KEY_FILE);
  const existing = await readPair(certFile, keyFile);
  if (existing && isUsable(existing.cert, existing.key, hosts, now)) return withCaData(existing);

  await ensurePrivateDir(dataDir);
  const fresh = await generate(hosts, now, opts.validityDays ?? 365);
  // Key first: a crash between the two writes leaves a cert that does not match its key, which
  // isUsable detects, so the pair is regenerated rather than served broken.
  await writeFileAtomic(keyFile, fresh.key);
  await writeFileAtomic(certFile, fresh.cert);
  return withCaData(fresh);
}

function withCaData(pair: { cert: string; key: string }): ServingCert {
  return { ...pair, caData: Buffer.from(pair.cert, 'utf8').toString('base64') };
}

async function readPair(
  certFile: string,
  keyFile: string,
): Promise<{ cert: string; key: string } | undefined> {
  try {
    return { cert: await fs.readFile(certFile, 'utf8'), key: await fs.readFile(keyFile, 'utf8') };
  } catch {
    return undefined;
  }
}

/** Whether an existing pair can be served as is (parses, matches, current, covers every host). */
export function isUsable(certPem: string, keyPem: string, hosts: string[], now: number): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) - RENEW_BEFORE_MS < now) return false;
    return hosts.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h) !== undefined));
  } catch {
    return false;
  }
}

async function generate(hosts: string[], now: number, validityDays: number) {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webCrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as X509KeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: `01${randomBytes(15).toString('hex')}`, // positive, 16 bytes
      name: 'CN=ofelia-operator embedded apiserver, O=ofelia-operator',
      // Back-dated an hour: tolerate small clock differences between server and client.
      notBefore: new Date(now - 3600 * 1000),
      notAfter: new Date(now + validityDays * DAY_MS),
      signingAlgorithm: algorithm,
      keys,
      extensions: [
        // Its own CA: clients trust exactly this certificate through certificate-authority-data.
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          hosts.map((h) =>
            isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
          ),
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webCrypto),
      ],
    },
    webCrypto,
  );
  const pkcs8 = await webCrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}
