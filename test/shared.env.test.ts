import { envList } from '../lib/shared/env';

describe('envList (a comma-separated environment variable)', () => {
  it('is undefined when unset, empty or only separators', () => {
    expect([envList(undefined), envList(''), envList(' , ,')]).toEqual([undefined, undefined, undefined]);
  });

  it('trims each entry and drops empty ones, keeping the order (a failover list)', () => {
    expect(envList(' https://a.example , ,https://b.example')).toEqual(['https://a.example', 'https://b.example']);
  });
});
