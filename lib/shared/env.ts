/** A comma-separated environment variable as a list (`WECHAT_API_BASE_URL`: one base, or a failover list); `undefined` when empty. */
export function envList(value: string | undefined): string[] | undefined {
  const list = (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  return list.length > 0 ? list : undefined;
}
