'use strict';
// Loaded with `node --require bench/preload-hosts.js` into every contestant.
// It plays the part of an /etc/hosts entry: any *.weixin.qq.com name resolves
// to 127.0.0.1, where the WeChat emulator listens with TLS on port 443.
// Every other name goes to the real resolver. Nothing else is patched: the
// contestants keep their default URLs, agents and TLS checks (the emulator's
// certificate is trusted through NODE_EXTRA_CA_CERTS).
const dns = require('node:dns');

const LOOPBACK = '127.0.0.1';

function isWeChatHost(hostname) {
  if (typeof hostname !== 'string') return false;
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'weixin.qq.com' || h.endsWith('.weixin.qq.com');
}

// dns.lookup(hostname[, options], callback); options may be a family number.
function normalize(options) {
  if (typeof options === 'number') return { family: options, all: false };
  return { family: options && options.family, all: Boolean(options && options.all) };
}

function answer(options) {
  const { family, all } = normalize(options);
  // We only have an IPv4 loopback listener; a caller that insists on IPv6
  // gets ENOTFOUND-like behaviour instead of a wrong address family.
  if (family === 6 || family === 'IPv6') return null;
  return all ? [{ address: LOOPBACK, family: 4 }] : { address: LOOPBACK, family: 4 };
}

function notFound(hostname) {
  const err = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  err.code = 'ENOTFOUND';
  err.errno = -3008;
  err.syscall = 'getaddrinfo';
  err.hostname = hostname;
  return err;
}

const originalLookup = dns.lookup;
function lookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = undefined;
  }
  if (!isWeChatHost(hostname)) {
    return options === undefined
      ? originalLookup.call(dns, hostname, callback)
      : originalLookup.call(dns, hostname, options, callback);
  }
  const result = answer(options);
  process.nextTick(() => {
    if (result === null) callback(notFound(hostname));
    else if (Array.isArray(result)) callback(null, result);
    else callback(null, result.address, result.family);
  });
  return {};
}
dns.lookup = lookup;

const originalPromisesLookup = dns.promises.lookup;
dns.promises.lookup = async function promisesLookup(hostname, options) {
  if (!isWeChatHost(hostname)) return originalPromisesLookup.call(dns.promises, hostname, options);
  const result = answer(options);
  if (result === null) throw notFound(hostname);
  return result;
};

module.exports = { isWeChatHost };
