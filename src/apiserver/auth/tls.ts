/**
 * The embedded API server's certificates: a private CA and a serving certificate it signs, both
 * ECDSA P-256, generated at first start and reused. Clients trust the CA through the kubeconfig's
 * certificate-authority-data (never insecure-skip-tls-verify); the serving certificate is a leaf
 * (CA:false, serverAuth only), so its key — the one the TLS server holds — cannot sign anything,
 * and it can be renewed (new hosts, expiry) without clients having to trust anything new.
 *
 * In: the data dir (and extra host names/IPs). Out: the leaf's PEM cert and key, and caData (base64
 * of the CA certificate PEM). Files (0600): `ca.crt`, `ca.key`, `serving.crt`, `serving.key`.
 * The CA (10 years) is regenerated when missing, unreadable, not a CA, not matching its key, or
 * expiring within 30 days; the leaf (1 year) when any of that holds for it, or it is a CA itself
 * (an older self-signed one), or not signed by the current CA, or not covering every requested host.
 * Never: logs or returns anything derived from a private key besides the leaf's own PEM.
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509's tsyringe needs the Reflect metadata API at load
import * as x509 from '@peculiar/x509';
import { ensurePrivateDir, writeFileAtomic } from '../store/store-files.ts';

export interface ServingCert {
  /** The leaf certificate the server presents (PEM). */
  cert: string;
  key: string;
  /** base64 of the CA certificate PEM, for a kubeconfig's `certificate-authority-data`. */
  caData: string;
}

export interface ServingCertOptions {
  /** Host names or IP addresses to cover besides 127.0.0.1, ::1 and localhost. */
  extraHosts?: string[];
  /** Milliseconds since the epoch (default Date.now()): the outermost caller's clock. */
  now?: number;
  /** Validity of a new serving certificate in days (default 365). */
  validityDays?: number;
}

export const DEFAULT_HOSTS = ['127.0.0.1', '::1', 'localhost'];
const CA_CERT_FILE = 'ca.crt';
const CA_KEY_FILE = 'ca.key';
const CERT_FILE = 'serving.crt';
const KEY_FILE = 'serving.key';
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
const CA_VALIDITY_DAYS = 3650;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

// @peculiar/x509 wants the DOM's `Crypto` type, which this project's lib settings do not include;
// Node's webcrypto implements it. Take the type from the library's own signature.
type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
type X509KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
const webCrypto = webcrypto as unknown as X509Crypto;

interface Pair {
  cert: string;
  key: string;
}

export async function loadOrCreateServingCert(
  dataDir: string,
  opts: ServingCertOptions = {},
): Promise<ServingCert> {
  const now = opts.now ?? Date.now();
  const hosts = [...new Set([...DEFAULT_HOSTS, ...(opts.extraHosts ?? [])])];
  const files = {
    caCert: join(dataDir, CA_CERT_FILE),
    caKey: join(dataDir, CA_KEY_FILE),
    cert: join(dataDir, CERT_FILE),
    key: join(dataDir, KEY_FILE),
  };
  let ca = await readPair(files.caCert, files.caKey);
  if (!ca || !isUsableCa(ca.cert, ca.key, now)) {
    await ensurePrivateDir(dataDir);
    ca = await generateCa(now);
    // Key first: a crash between the writes leaves a pair that does not match, which is regenerated.
    await writeFileAtomic(files.caKey, ca.key);
    await writeFileAtomic(files.caCert, ca.cert);
  }
  let leaf = await readPair(files.cert, files.key);
  if (!leaf || !isUsable(leaf.cert, leaf.key, hosts, now) || !isSignedLeaf(leaf.cert, ca.cert)) {
    await ensurePrivateDir(dataDir);
    leaf = await generateLeaf(ca, hosts, now, opts.validityDays ?? 365);
    await writeFileAtomic(files.key, leaf.key);
    await writeFileAtomic(files.cert, leaf.cert);
  }
  return { ...leaf, caData: Buffer.from(ca.cert, 'utf8').toString('base64') };
}

async function readPair(certFile: string, keyFile: string): Promise<Pair | undefined> {
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
    if (!current(cert, keyPem, now)) return false;
    return hosts.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h) !== undefined));
  } catch {
    return false;
  }
}

function current(cert: X509Certificate, keyPem: string, now: number): boolean {
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
  return Date.parse(cert.validFrom) <= now && Date.parse(cert.validTo) - RENEW_BEFORE_MS >= now;
}

function isUsableCa(certPem: string, keyPem: string, now: number): boolean {
  try {
    const cert = new X509Certificate(certPem);
    return cert.ca && current(cert, keyPem, now) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** A leaf (not a CA) issued and signed by this CA. */
function isSignedLeaf(certPem: string, caPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return !cert.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

function serialNumber(): string {
  return `01${randomBytes(15).toString('hex')}`; // positive, 16 bytes
}

async function generateCa(now: number): Promise<Pair> {
  const keys = (await webCrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as X509KeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: 'CN=ofelia-operator embedded apiserver CA, O=ofelia-operator',
      // Back-dated an hour: tolerate small clock differences between server and client.
      notBefore: new Date(now - 3600 * 1000),
      notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webCrypto),
      ],
    },
    webCrypto,
  );
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

async function generateLeaf(ca: Pair, hosts: string[], now: number, validityDays: number): Promise<Pair> {
  const keys = (await webCrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as X509KeyPair;
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await webCrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decode(ca.key)[0]!,
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: 'CN=ofelia-operator embedded apiserver, O=ofelia-operator',
      issuer: caCert.subject,
      notBefore: new Date(now - 3600 * 1000),
      notAfter: new Date(Math.min(now + validityDays * DAY_MS, caCert.notAfter.getTime())),
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          hosts.map((h) =>
            isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
          ),
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webCrypto),
        await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, webCrypto),
      ],
    },
    webCrypto,
  );
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

async function exportKey(key: X509KeyPair['privateKey']): Promise<string> {
  return x509.PemConverter.encode(await webCrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}
