/**
 * The counters of counters.ts in Redis (REDIS_URL), for deployments that would rather not
 * write every failed login to the database. Fixed windows are INCR + PEXPIRE; a failure
 * counter is a hash updated by one Lua script, so concurrent nodes never lose an increment.
 */
import { Redis } from 'ioredis';
import type { CounterStore, FailureState } from './counters.js';

const FAIL_SCRIPT = `
local now = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local decay = tonumber(ARGV[i + 1])
  local state = redis.call('HMGET', key, 'failures', 'last_at')
  local failures = tonumber(state[1]) or 0
  local last = tonumber(state[2]) or 0
  if last < now - decay then failures = 0 end
  failures = failures + 1
  redis.call('HSET', key, 'failures', failures, 'last_at', now)
  redis.call('PEXPIRE', key, decay * 2)
  out[i] = failures
end
return out
`;

export async function openRedisCounters(url: string, prefix = 'tegata:'): Promise<CounterStore> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  await redis.connect();
  const windowKey = (key: string, windowSeconds: number, nowMs: number) => {
    const size = windowSeconds * 1000;
    const start = Math.floor(nowMs / size) * size;
    return { name: `${prefix}rl:${key}:${start}`, resetsAt: start + size };
  };
  const failKey = (key: string) => `${prefix}th:${key}`;
  return {
    kind: 'redis',
    async hit(key, windowSeconds, nowMs) {
      const { name, resetsAt } = windowKey(key, windowSeconds, nowMs);
      const result = await redis.multi().incr(name).pexpire(name, windowSeconds * 2000).exec();
      const count = Number(result?.[0]?.[1] ?? 0);
      return { count, resetsAt };
    },
    async peek(key, windowSeconds, nowMs) {
      const { name, resetsAt } = windowKey(key, windowSeconds, nowMs);
      return { count: Number((await redis.get(name)) ?? 0), resetsAt };
    },
    async fail(entries, nowMs) {
      if (entries.length === 0) return new Map();
      const counts = (await redis.eval(
        FAIL_SCRIPT,
        entries.length,
        ...entries.map((e) => failKey(e.key)),
        String(nowMs),
        ...entries.map((e) => String(e.decayMs)),
      )) as number[];
      return new Map(entries.map((e, i) => [e.key, { failures: Number(counts[i] ?? 0), lastAt: nowMs }]));
    },
    async read(keys) {
      const states = new Map<string, FailureState>();
      if (keys.length === 0) return states;
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.hmget(failKey(key), 'failures', 'last_at');
      const results = (await pipeline.exec()) ?? [];
      keys.forEach((key, i) => {
        const value = results[i]?.[1] as (string | null)[] | undefined;
        if (value?.[0] !== null && value?.[0] !== undefined) states.set(key, { failures: Number(value[0]), lastAt: Number(value[1] ?? 0) });
      });
      return states;
    },
    async clear(keys) {
      if (keys.length > 0) await redis.del(...keys.map(failKey));
    },
    async close() {
      await redis.quit();
    },
  };
}
