'use strict';
// Generates a throwaway CA and a server certificate for the WeChat host names
// with the openssl CLI. Files go to bench/.tmp/certs (gitignored); the CA is
// handed to contestants through NODE_EXTRA_CA_CERTS.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const HOSTS = ['*.weixin.qq.com', 'open.weixin.qq.com', 'api.weixin.qq.com', 'api2.weixin.qq.com'];

function openssl(args, cwd) {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error('bench needs the `openssl` CLI to make its throwaway certificates (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${err.stderr ? err.stderr.toString() : err.message}`);
  }
}

function generateCerts(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const sans = HOSTS.map((h) => `DNS:${h}`).join(',');
  fs.writeFileSync(path.join(dir, 'ca.ext'), [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
  ].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'server.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${sans}`,
    'authorityKeyIdentifier=keyid,issuer',
  ].join('\n') + '\n');
  // RSA-2048 like the real endpoints, so handshakes cost what they cost in production.
  openssl(['genrsa', '-out', 'ca.key', '2048'], dir);
  openssl(['req', '-new', '-key', 'ca.key', '-subj', '/CN=passport-wechat-oauth2 bench CA', '-out', 'ca.csr'], dir);
  openssl(['x509', '-req', '-in', 'ca.csr', '-signkey', 'ca.key', '-days', '2', '-sha256', '-extfile', 'ca.ext', '-out', 'ca.pem'], dir);
  openssl(['genrsa', '-out', 'server.key', '2048'], dir);
  openssl(['req', '-new', '-key', 'server.key', '-subj', '/CN=api.weixin.qq.com', '-out', 'server.csr'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.pem'], dir);
  return {
    caFile: path.join(dir, 'ca.pem'),
    keyFile: path.join(dir, 'server.key'),
    certFile: path.join(dir, 'server.pem'),
  };
}

module.exports = { generateCerts, HOSTS };
