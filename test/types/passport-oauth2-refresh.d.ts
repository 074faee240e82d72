// passport-oauth2-refresh ships no types; just what the compatibility test uses.
declare module 'passport-oauth2-refresh' {
  import type { Strategy } from 'passport';
  type Done = (err: unknown, accessToken?: string, refreshToken?: string, results?: unknown) => void;
  const refresh: {
    use(name: string, strategy: Strategy): void;
    use(strategy: Strategy): void;
    requestNewAccessToken(name: string, refreshToken: string, done: Done): void;
  };
  export default refresh;
}
