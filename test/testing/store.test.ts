import { BoundedStore } from '../../lib/testing/store';

describe('BoundedStore', () => {
  it('evicts the oldest entries beyond its cap', () => {
    const s = new BoundedStore<{ expiresAt: number }>(2, 0);
    s.set('a', { expiresAt: 1e15 });
    s.set('b', { expiresAt: 1e15 });
    s.set('c', { expiresAt: 1e15 });
    expect(s.size).toBe(2);
    expect(s.get('a')).toBeUndefined();
    expect(s.get('c')).toBeDefined();
  });

  it('moves a replaced entry to the tail', () => {
    const s = new BoundedStore<{ expiresAt: number }>(2, 0);
    s.set('a', { expiresAt: 1e15 });
    s.set('b', { expiresAt: 1e15 });
    s.set('a', { expiresAt: 1e15 });
    s.set('c', { expiresAt: 1e15 });
    expect(s.get('a')).toBeDefined();
    expect(s.get('b')).toBeUndefined();
  });

  it('keeps expired entries for the grace period, then drops them', () => {
    const s = new BoundedStore<{ expiresAt: number }>(10, 100);
    s.set('a', { expiresAt: 1000 }, 0);
    expect(s.get('a', 1050)).toEqual({ expiresAt: 1000 });
    expect(s.get('a', 1100)).toBeUndefined();
    expect(s.size).toBe(0);
  });

  it('sweeps stale entries from the head on insert', () => {
    const s = new BoundedStore<{ expiresAt: number }>(10, 0);
    s.set('old1', { expiresAt: 10 }, 0);
    s.set('old2', { expiresAt: 20 }, 0);
    s.set('live', { expiresAt: 1000 }, 0);
    s.set('new', { expiresAt: 2000 }, 500);
    expect(s.size).toBe(2);
    s.delete('new');
    s.clear();
    expect(s.size).toBe(0);
  });

  it('stays bounded under many inserts', () => {
    const s = new BoundedStore<{ expiresAt: number }>(1000, 0);
    for (let i = 0; i < 20_000; i++) s.set(`k${i}`, { expiresAt: Date.now() + 60_000 });
    expect(s.size).toBe(1000);
  });
});
