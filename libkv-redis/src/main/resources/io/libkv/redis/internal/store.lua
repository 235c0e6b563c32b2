-- libkv's store on Redis. Every call of a store is one run of this script, so each is atomic on
-- the server; every change bumps the store's index and is appended to the store's stream in the
-- same run, under that index (entry ids INDEX-US, INDEX-US+1, ... for one change set, US the
-- server's time in microseconds), so a watcher reading the stream misses nothing, can tell when it
-- was trimmed, and can tell an index written again in another history (a failover lost it) by its
-- entry id.
--
-- KEYS: 1 index counter, 2 values (hash), 3 indexes (hash), 4 key order (sorted set, lex),
--       5 expiry deadlines (sorted set, ms), 6 owners (hash key -> session),
--       7 session members (sorted set, lex "session\0key"), 8 sessions (sorted set, deadline ms),
--       9 change stream
-- ARGV: 1 operation, 2 stream length, 3 sweep limit, then the operation's arguments.
local KI, KD, KM, KZ, KX, KO, KOK, KS, KE =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local op = ARGV[1]
local maxlen = ARGV[2]
local sweepLimit = tonumber(ARGV[3])
local SEP = string.char(0)
local AFTER = string.char(1)
local CHUNK = 1000

local clock = redis.call('TIME')
local T = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local US = tonumber(clock[1]) * 1000000 + tonumber(clock[2])

local function str(n)
  return string.format('%d', n)
end

-- whether a key still stored has passed its deadline or lost its session
local function dead(key)
  local dl = redis.call('ZSCORE', KX, key)
  if dl and tonumber(dl) <= T then
    return true
  end
  local sid = redis.call('HGET', KO, key)
  if sid then
    local sd = redis.call('ZSCORE', KS, sid)
    if (not sd) or tonumber(sd) <= T then
      return true
    end
  end
  return false
end

-- the key's index (a string) while it is live, else false
local function live(key)
  local idx = redis.call('HGET', KM, key)
  if idx and not dead(key) then
    return idx
  end
  return false
end

local changes = {}
local pending = false

local function index()
  if not pending then
    pending = str(redis.call('INCR', KI))
  end
  return pending
end

-- appends this change set to the stream under its index, in entries of at most CHUNK changes
local function flush()
  if #changes == 0 then
    return
  end
  local id = index()
  local seq = US
  for i = 1, #changes, 2 * CHUNK do
    local last = math.min(i + 2 * CHUNK - 1, #changes)
    redis.call('XADD', KE, 'MAXLEN', maxlen, id .. '-' .. str(seq), unpack(changes, i, last))
    seq = seq + 1
  end
  changes = {}
  pending = false
end

local function forgetOwner(key)
  local sid = redis.call('HGET', KO, key)
  if sid then
    redis.call('HDEL', KO, key)
    redis.call('ZREM', KOK, sid .. SEP .. key)
  end
end

local function remove(key)
  if redis.call('HDEL', KM, key) == 0 then
    return false
  end
  redis.call('HDEL', KD, key)
  redis.call('ZREM', KZ, key)
  redis.call('ZREM', KX, key)
  forgetOwner(key)
  changes[#changes + 1] = 'D' .. key
  changes[#changes + 1] = ''
  return true
end

-- kind: '' plain, 'x' expiring after ttl ms, 'e' owned by session sid
local function write(key, value, kind, ttl, sid)
  local id = index()
  redis.call('ZREM', KX, key)
  forgetOwner(key)
  redis.call('HSET', KD, key, value)
  redis.call('HSET', KM, key, id)
  redis.call('ZADD', KZ, 0, key)
  if kind == 'x' then
    redis.call('ZADD', KX, T + tonumber(ttl), key)
  elseif kind == 'e' then
    redis.call('HSET', KO, key, sid)
    redis.call('ZADD', KOK, 0, sid .. SEP .. key)
  end
  changes[#changes + 1] = 'P' .. key
  changes[#changes + 1] = value
  return id
end

local function sessionAlive(sid)
  local sd = redis.call('ZSCORE', KS, sid)
  return sd and tonumber(sd) > T
end

local function endSession(sid)
  local members = redis.call('ZRANGEBYLEX', KOK, '[' .. sid .. SEP, '(' .. sid .. AFTER)
  for _, m in ipairs(members) do
    remove(string.sub(m, #sid + 2))
  end
  redis.call('ZREM', KS, sid)
end

-- deletes what expired, as its own change set (before the caller's)
local function sweep(limit)
  local n = 0
  local due = redis.call('ZRANGEBYSCORE', KX, '-inf', T, 'LIMIT', 0, limit)
  for _, k in ipairs(due) do
    remove(k)
    n = n + 1
  end
  local gone = redis.call('ZRANGEBYSCORE', KS, '-inf', T, 'LIMIT', 0, limit)
  for _, sid in ipairs(gone) do
    endSession(sid)
    n = n + 1
  end
  flush()
  return n
end

local function current()
  return redis.call('GET', KI) or '0'
end

local function range(dir)
  if dir == '' then
    return '-', '+'
  end
  return '[' .. dir .. '/', '(' .. dir .. '0'
end

-- appends key, value, index of every live key below dir to out
local function below(dir, out)
  local lo, hi = range(dir)
  local keys = redis.call('ZRANGEBYLEX', KZ, lo, hi)
  local checkTtl = redis.call('ZCARD', KX) > 0 or redis.call('HLEN', KO) > 0
  for i = 1, #keys, CHUNK do
    local last = math.min(i + CHUNK - 1, #keys)
    local vs = redis.call('HMGET', KD, unpack(keys, i, last))
    local is = redis.call('HMGET', KM, unpack(keys, i, last))
    for j = i, last do
      local k = keys[j]
      if not (checkTtl and dead(k)) then
        out[#out + 1] = k
        out[#out + 1] = vs[j - i + 1]
        out[#out + 1] = is[j - i + 1]
      end
    end
  end
  return out
end

if op == 'get' then
  -- {value, index} or {}
  local idx = live(ARGV[4])
  if not idx then
    return {}
  end
  return {redis.call('HGET', KD, ARGV[4]), idx}
elseif op == 'snapkey' then
  -- {store index, value, index} or {store index}
  local idx = live(ARGV[4])
  if not idx then
    return {current()}
  end
  return {current(), redis.call('HGET', KD, ARGV[4]), idx}
elseif op == 'list' then
  -- {store index, found (1/0), key, value, index, ...}; found is 0 when neither dir nor anything
  -- below it is live
  local out = below(ARGV[4], {current(), 1})
  if #out == 2 and ARGV[4] ~= '' and not live(ARGV[4]) then
    out[2] = 0
  end
  return out
elseif op == 'history' then
  -- ARGV[4] index, ARGV[5] '1' to list directory ARGV[6] too: {store index, id of the first entry
  -- after the index or '', 3 x pairs, key, value, index, ..., then per entry: id, n, field,
  -- value, ...}
  local out = {current(), '', 0}
  if ARGV[5] == '1' then
    below(ARGV[6], out)
    out[3] = #out - 3
  end
  local entries = redis.call('XRANGE', KE, str(tonumber(ARGV[4]) + 1) .. '-0', '+')
  for _, e in ipairs(entries) do
    if out[2] == '' then
      out[2] = e[1]
    end
    out[#out + 1] = e[1]
    out[#out + 1] = #e[2]
    for _, f in ipairs(e[2]) do
      out[#out + 1] = f
    end
  end
  return out
elseif op == 'commit' then
  -- ARGV[4] conditions n, then type (A, P, I), key, index each; then operations n, then type
  -- (P put, D delete, T delete tree), key, value, kind, ttl ms, session each.
  -- {1, commit index} | {0, failed condition (1-based), key, value, index, ...} | {-1, session}
  sweep(sweepLimit)
  local nc = tonumber(ARGV[4])
  local at = 5
  for c = 1, nc do
    local t, k, want = ARGV[at], ARGV[at + 1], ARGV[at + 2]
    local idx = live(k)
    local holds = (t == 'A' and not idx) or (t == 'P' and idx) or (t == 'I' and idx == want)
    if not holds then
      local out = {0, c}
      local seen = {}
      for c2 = 1, nc do
        local k2 = ARGV[5 + (c2 - 1) * 3 + 1]
        if not seen[k2] then
          seen[k2] = true
          local i2 = live(k2)
          if i2 then
            out[#out + 1] = k2
            out[#out + 1] = redis.call('HGET', KD, k2)
            out[#out + 1] = i2
          end
        end
      end
      return out
    end
    at = at + 3
  end
  local no = tonumber(ARGV[at])
  local first = at + 1
  for o = 0, no - 1 do
    local p = first + o * 6
    if ARGV[p] == 'P' and ARGV[p + 3] == 'e' and not sessionAlive(ARGV[p + 5]) then
      return {-1, ARGV[p + 5]}
    end
  end
  -- deletes first, so that a change set that puts anything is reported as a put
  for o = 0, no - 1 do
    local p = first + o * 6
    if ARGV[p] == 'D' then
      remove(ARGV[p + 1])
    elseif ARGV[p] == 'T' then
      local dir = ARGV[p + 1]
      local lo, hi = range(dir)
      for _, k in ipairs(redis.call('ZRANGEBYLEX', KZ, lo, hi)) do
        remove(k)
      end
      if dir ~= '' then
        remove(dir)
      end
    end
  end
  for o = 0, no - 1 do
    local p = first + o * 6
    if ARGV[p] == 'P' then
      write(ARGV[p + 1], ARGV[p + 2], ARGV[p + 3], ARGV[p + 4], ARGV[p + 5])
    end
  end
  local id = current()
  if #changes > 0 then
    id = index()
  end
  flush()
  return {1, id}
elseif op == 'session' then
  -- ARGV[4] session, ARGV[5] ttl ms, ARGV[6] create | renew | end; 1, or 0 when it is gone
  local sid, ttl, what = ARGV[4], tonumber(ARGV[5]), ARGV[6]
  if what == 'create' then
    redis.call('ZADD', KS, T + ttl, sid)
    return 1
  elseif what == 'renew' then
    if not sessionAlive(sid) then
      return 0
    end
    redis.call('ZADD', KS, 'XX', T + ttl, sid)
    return 1
  end
  endSession(sid)
  flush()
  return 1
elseif op == 'lock' then
  -- ARGV[4] key, 5 value, 6 session: {1, index} acquired, {0, index of the key} held by another,
  -- {-1} session gone
  sweep(sweepLimit)
  local key, sid = ARGV[4], ARGV[6]
  if not sessionAlive(sid) then
    return {-1}
  end
  local held = live(key)
  if held then
    return {0, held}
  end
  local id = write(key, ARGV[5], 'e', 0, sid)
  flush()
  return {1, id}
elseif op == 'unlock' then
  -- ARGV[4] key, 5 session, 6 index: deletes the key only while it is still the lock's write
  local key = ARGV[4]
  if redis.call('HGET', KO, key) == ARGV[5] and redis.call('HGET', KM, key) == ARGV[6] then
    remove(key)
  end
  flush()
  return 1
elseif op == 'probe' then
  -- {store index, id of the first entry after index ARGV[4] or '', id of the first entry of
  -- index ARGV[4] or ''}
  local at = tonumber(ARGV[4])
  local e = redis.call('XRANGE', KE, str(at + 1) .. '-0', '+', 'COUNT', 1)
  local here = redis.call('XRANGE', KE, str(at) .. '-0', '(' .. str(at + 1) .. '-0', 'COUNT', 1)
  local out = {current(), '', ''}
  if e[1] then
    out[2] = e[1][1]
  end
  if here[1] then
    out[3] = here[1][1]
  end
  return out
elseif op == 'sweep' then
  return sweep(sweepLimit)
end
return redis.error_reply('libkv: unknown operation ' .. tostring(op))
