/**
 * 可信域名 matching (wecom-protocol.md §1.5): the domain must equal redirect_uri's host, port included.
 * Deviation for local apps: an entry without a port matches that hostname on any port.
 */

/** `host[:port]` of a URL, lower-cased (the port only when the URL names one), or undefined if unparsable. */
export function hostOf(uri: string): string | undefined {
  try {
    return new URL(uri).host.toLowerCase();
  } catch {
    return undefined;
  }
}

export function hostTrusted(domains: readonly string[], host: string): boolean {
  const hostname = host.replace(/:\d+$/, '');
  return domains.some((d) => (/:\d+$/.test(d) ? d === host : d === hostname));
}
