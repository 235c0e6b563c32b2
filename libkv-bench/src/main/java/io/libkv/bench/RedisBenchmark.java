package io.libkv.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.KeyModifiedException;
import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.Subscription;
import io.libkv.UpdateConflictException;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import io.libkv.redis.RedisOptions;
import io.libkv.testkit.servers.RedisServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * libkv's Redis store next to raw Lettuce ({@code StatefulRedisConnection<byte[], byte[]>}, the
 * same client, codec and I/O thread count the store uses) on the same loopback {@code
 * redis-server}: put vs {@code SET}, get vs {@code GET}, a 1,000-key list vs one {@code MGET} of
 * the 1,000 known keys and one {@code HGETALL} of a 1,000-field hash, the delay from before a put
 * to a watcher's event under back-to-back writes vs {@code XADD} read by a blocking {@code XREAD},
 * lock cycles with a new {@code Lock} per cycle vs {@code SET NX PX} and a compare-and-delete
 * script, contended compare-and-set on one counter vs {@code WATCH/MULTI/EXEC} and a Lua CAS, and
 * what {@code WAIT 1} adds to a put on a primary with one replica. Put, get and list also run the
 * store's own script through raw Lettuce with the arguments the store sends, which splits the
 * script's cost from the client's, and put runs once more on a store whose change feed runs (it
 * took a lock): the feed then reads every write of the prefix. The same payload throughout; the
 * sides run in interleaved rounds (which goes first alternates) after a JVM warm-up, and every
 * figure is a median over rounds with p50/p99 over all timed operations; the server's own time per
 * call comes from {@code INFO commandstats}. {@code redis-benchmark}'s figures on the same server
 * are printed for reference.
 *
 * <p>{@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*'
 * io.libkv.bench.RedisBenchmark [rounds, default 7]}
 */
public final class RedisBenchmark {
  private static final byte[] VALUE =
      "a value of some tens of bytes, like an address:port pair".getBytes(UTF_8);
  private static final int LIST_KEYS = 1000;
  private static final int THREADS = 4;
  private static final Duration LOCK_TTL = LockOptions.DEFAULT_TTL;

  /** Where a get-then-set loop stops (a bound, never reached in practice). */
  private static final int MAX_ATTEMPTS = 10_000;

  private static final String COMPARE_AND_DELETE =
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end"
          + " return 0";
  private static final String COMPARE_AND_SET =
      "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2])"
          + " return 1 end return 0";

  private static final byte[][] LIST_KEY_ARRAY = listKeys();

  /** The store's own script, which raw Lettuce also runs to split script cost from client cost. */
  private static final byte[] STORE_SCRIPT = storeScript();

  private RedisBenchmark() {}

  private static byte[] storeScript() {
    try (java.io.InputStream in =
        RedisBenchmark.class.getResourceAsStream("/io/libkv/redis/internal/store.lua")) {
      if (in == null) {
        throw new IllegalStateException("store.lua is not on the class path");
      }
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The store's script run by raw Lettuce on a prefix of its own, with the arguments libkv sends:
   * what a call costs without libkv's client side.
   */
  private static final class RawScript {
    final RedisCommands<byte[], byte[]> r;
    final String sha;
    final byte[][] keys = new byte[9][];
    final byte[] streamLength = b(Long.toString(RedisOptions.DEFAULT_STREAM_LENGTH));
    final byte[] sweepLimit = b("256");

    RawScript(RedisCommands<byte[], byte[]> r, String prefix) {
      this.r = r;
      this.sha = r.scriptLoad(STORE_SCRIPT);
      String[] names = {"i", "d", "m", "z", "x", "o", "ok", "s", "e"};
      for (int i = 0; i < names.length; i++) {
        keys[i] = b("{libkv:" + prefix + "}:" + names[i]);
      }
    }

    List<Object> run(String op, byte[]... args) {
      byte[][] argv = new byte[args.length + 3][];
      argv[0] = b(op);
      argv[1] = streamLength;
      argv[2] = sweepLimit;
      System.arraycopy(args, 0, argv, 3, args.length);
      return r.evalsha(sha, ScriptOutputType.MULTI, keys, argv);
    }

    void put(String key, byte[] value) {
      byte[] e = new byte[0];
      List<Object> o = run("commit", b("0"), b("1"), b("P"), b(key), value, e, b("0"), e);
      check(((Number) o.get(0)).longValue() == 1, "raw script put committed");
    }
  }

  /** The figures of one side of a comparison over all its rounds. */
  private static final class Side {
    final String name;
    final List<Double> perSecond = new ArrayList<>();
    long[] nanos = new long[1 << 14];
    int n;

    Side(String name) {
      this.name = name;
    }

    synchronized void add(long[] more, int count) {
      if (n + count > nanos.length) {
        nanos = Arrays.copyOf(nanos, Math.max(nanos.length * 2, n + count));
      }
      System.arraycopy(more, 0, nanos, n, count);
      n += count;
    }

    double median() {
      return Timing.median(perSecond.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The median rate of the rounds with their range. */
    String rate() {
      double[] rate = perSecond.stream().mapToDouble(Double::doubleValue).toArray();
      return String.format(
          Locale.ROOT,
          "%9.0f ops/s (%.0f-%.0f)",
          median(),
          Arrays.stream(rate).min().orElse(0),
          Arrays.stream(rate).max().orElse(0));
    }

    /** p50 and p99 over every timed operation of every round. */
    String latency() {
      long[] s = Arrays.copyOf(nanos, n);
      Arrays.sort(s);
      return String.format(
          Locale.ROOT,
          "p50 %8.1f us  p99 %8.1f us",
          s.length == 0 ? 0 : s[s.length / 2] / 1e3,
          s.length == 0 ? 0 : s[Math.min(s.length - 1, (int) (s.length * 0.99))] / 1e3);
    }

    String line() {
      return String.format(Locale.ROOT, "  %-44s %s  %s", name, rate(), latency());
    }
  }

  /** A thread's operation times. */
  private static final class Times {
    long[] nanos = new long[1 << 12];
    int n;

    void add(long t) {
      if (n == nanos.length) {
        nanos = Arrays.copyOf(nanos, n * 2);
      }
      nanos[n++] = t;
    }
  }

  /** One cycle of a threaded run, on worker {@code w}. */
  @FunctionalInterface
  private interface Cycle {
    void run(int w) throws Exception;
  }

  /** Runs it; prints each comparison as it completes. */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    long started = System.nanoTime();
    ClientResources resources =
        DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    try {
      System.out.println(
          "redis-server "
              + version()
              + " on loopback, "
              + Runtime.getRuntime().availableProcessors()
              + " cores; value "
              + VALUE.length
              + " bytes; medians of "
              + rounds
              + " interleaved rounds (range), p50/p99 over every timed operation");
      try (RedisServer server = RedisServer.start()) {
        RedisClient client = rawClient(resources, server.port());
        String uri = "redis://127.0.0.1:" + server.port();
        try (StatefulRedisConnection<byte[], byte[]> raw = client.connect(ByteArrayCodec.INSTANCE);
            Store store = LibKV.open(uri + "/bench");
            Store fed = LibKV.open(uri + "/fed")) {
          RedisCommands<byte[], byte[]> r = raw.sync();
          RawScript rs = new RawScript(r, "rawscript");
          fill(store, r, rs);
          // a store's change feed starts with its first watch or lock and then reads every write
          // of its prefix for good; "store" has none until the lock section
          try (LockLease l = fed.newLock("started-the-feed").lock()) {
            l.checkHeld();
          }
          warmUp(store, fed, r, rs, Duration.ofSeconds(8));
          putGetList(server, store, fed, r, rs, rounds);
          contendedCas(store, client, r, Math.max(2, rounds / 3));
          try (Store watcher = LibKV.open(uri + "/bench")) {
            watchDelay(store, watcher, client, r, Math.max(3, rounds / 2));
          }
          locks(store, r, Math.max(2, rounds / 3));
        } finally {
          client.shutdown(0, 2, TimeUnit.SECONDS);
        }
        redisBenchmark(server.port());
      }
      waitCost(resources, rounds);
    } finally {
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
    System.out.printf(Locale.ROOT, "%nwhole run %.0f s%n", (System.nanoTime() - started) / 1e9);
  }

  private static RedisClient rawClient(ClientResources resources, int port) {
    RedisClient c = RedisClient.create(resources, RedisURI.create("127.0.0.1", port));
    // as the store's own connection: no automatic re-send, Nagle off
    c.setOptions(
        ClientOptions.builder()
            .autoReconnect(false)
            .socketOptions(SocketOptions.builder().tcpNoDelay(true).keepAlive(true).build())
            .build());
    return c;
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private static void fill(Store store, RedisCommands<byte[], byte[]> r, RawScript rs) {
    Map<String, byte[]> dir = new HashMap<>();
    // distinct field names, so identity is the right equality
    IdentityHashMap<byte[], byte[]> hash = new IdentityHashMap<>();
    for (int i = 0; i < LIST_KEYS; i++) {
      dir.put("list/k" + i, VALUE);
      r.set(listKey(i), VALUE);
      hash.put(b("k" + i), VALUE);
    }
    store.putAll(dir);
    r.hset(b("raw:hash"), hash);
    store.put("get", VALUE);
    r.set(b("raw:get"), VALUE);
    for (int i = 0; i < LIST_KEYS; i++) {
      rs.put("list/k" + i, VALUE);
    }
    rs.put("get", VALUE);
  }

  private static byte[] listKey(int i) {
    return b("raw:list:k" + i);
  }

  private static byte[][] listKeys() {
    byte[][] k = new byte[LIST_KEYS][];
    for (int i = 0; i < LIST_KEYS; i++) {
      k[i] = listKey(i);
    }
    return k;
  }

  /** Every measured operation of both sides, until {@code d} has passed. */
  private static void warmUp(
      Store store, Store fed, RedisCommands<byte[], byte[]> r, RawScript rs, Duration d) {
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < end) {
      for (int i = 0; i < 200; i++) {
        store.put("warm", VALUE);
        fed.put("warm", VALUE);
        r.set(b("raw:warm"), VALUE);
        store.get("get");
        r.get(b("raw:get"));
        rs.put("warm", VALUE);
        rs.run("get", b("get"));
      }
      store.list("list");
      rs.run("list", b("list"));
      r.mget(LIST_KEY_ARRAY);
      r.hgetall(b("raw:hash"));
      for (int i = 0; i < 20; i++) {
        fed.put("warm", VALUE);
        store.update(
            "warm-counter", p -> b(Long.toString(p.map(x -> number(x.value())).orElse(0L) + 1)));
      }
    }
  }

  private static long number(byte[] v) {
    return Long.parseLong(new String(v, UTF_8));
  }

  /** Sequential single-thread rounds of {@code ops} runs per side, sides interleaved. */
  private static void interleaved(int rounds, int ops, Side[] sides, Timing.Op[] runs)
      throws Exception {
    long[] t = new long[ops];
    for (int round = 0; round < rounds; round++) {
      for (int k = 0; k < sides.length; k++) {
        // which side goes first alternates, so neither always runs on a warmer machine
        int s = round % 2 == 0 ? k : sides.length - 1 - k;
        long t0 = System.nanoTime();
        for (int i = 0; i < ops; i++) {
          long a = System.nanoTime();
          runs[s].run();
          t[i] = System.nanoTime() - a;
        }
        sides[s].perSecond.add(ops / ((System.nanoTime() - t0) / 1e9));
        sides[s].add(t, ops);
      }
    }
    for (Side s : sides) {
      System.out.println(s.line());
    }
  }

  private static void putGetList(
      RedisServer server,
      Store store,
      Store fed,
      RedisCommands<byte[], byte[]> r,
      RawScript rs,
      int rounds)
      throws Exception {
    System.out.println(
        "\nput (one EVALSHA of the store's script) vs the same EVALSHA sent by raw Lettuce (script"
            + " cost without libkv's client side) vs raw SET, same value:");
    server.cli("CONFIG", "RESETSTAT");
    long[] n = {0};
    interleaved(
        rounds,
        2000,
        new Side[] {
          new Side("libkv put"),
          new Side("libkv put, the store's change feed running"),
          new Side("raw EVALSHA store.lua commit"),
          new Side("raw SET")
        },
        new Timing.Op[] {
          () -> store.put("put/k" + (n[0]++ % 100), VALUE, WriteOptions.DEFAULT),
          () -> fed.put("put/k" + (n[0]++ % 100), VALUE, WriteOptions.DEFAULT),
          () -> rs.put("put/k" + (n[0]++ % 100), VALUE),
          () -> r.set(b("raw:put:k" + (n[0]++ % 100)), VALUE)
        });
    System.out.println(serverTimes(server, "evalsha", "set"));

    System.out.println("\nget vs the same EVALSHA by raw Lettuce vs raw GET:");
    server.cli("CONFIG", "RESETSTAT");
    interleaved(
        rounds,
        2000,
        new Side[] {
          new Side("libkv get"), new Side("raw EVALSHA store.lua get"), new Side("raw GET")
        },
        new Timing.Op[] {
          () -> store.get("get"),
          () -> check(rs.run("get", b("get")).size() == 2, "raw script get"),
          () -> r.get(b("raw:get"))
        });
    System.out.println(serverTimes(server, "evalsha", "get"));

    System.out.println(
        "\nlist of 1,000 keys vs raw in one round trip: MGET of the 1,000 known keys (the reader"
            + " must know them; no index, no key order), HGETALL of a 1,000-field hash:");
    server.cli("CONFIG", "RESETSTAT");
    interleaved(
        rounds,
        40,
        new Side[] {
          new Side("libkv list"),
          new Side("raw EVALSHA store.lua list"),
          new Side("raw MGET 1,000"),
          new Side("raw HGETALL")
        },
        new Timing.Op[] {
          () -> check(store.list("list").size() == LIST_KEYS, "list size"),
          () -> check(rs.run("list", b("list")).size() == 2 + 3 * LIST_KEYS, "raw script list"),
          () -> {
            List<KeyValue<byte[], byte[]>> l = r.mget(LIST_KEY_ARRAY);
            check(l.size() == LIST_KEYS, "mget size");
          },
          () -> check(r.hgetall(b("raw:hash")).size() == LIST_KEYS, "hgetall size")
        });
    System.out.println(serverTimes(server, "evalsha", "mget", "hgetall"));
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("wrong result: " + what);
    }
  }

  /** The server's own time per call of each command since the last reset. */
  private static String serverTimes(RedisServer server, String... commands) {
    String stats = server.cli("INFO", "commandstats");
    StringBuilder out = new StringBuilder("  server time per call:");
    for (String c : commands) {
      for (String line : stats.split("\n")) {
        if (line.startsWith("cmdstat_" + c + ":")) {
          for (String f : line.substring(line.indexOf(':') + 1).trim().split(",")) {
            if (f.startsWith("usec_per_call=")) {
              out.append(' ').append(c.toUpperCase(Locale.ROOT)).append(' ');
              out.append(f.substring("usec_per_call=".length())).append(" us");
            }
          }
        }
      }
    }
    return out.toString();
  }

  /** The value of write {@code seq}: the number, padded to the common value's length. */
  private static byte[] sequenced(long seq) {
    byte[] v = VALUE.clone();
    byte[] s = b(String.format(Locale.ROOT, "%012d:", seq));
    System.arraycopy(s, 0, v, 0, s.length);
    return v;
  }

  private static int seqOf(byte[] v) {
    return Integer.parseInt(new String(v, 0, 12, UTF_8));
  }

  private static void watchDelay(
      Store store,
      Store watcherStore,
      RedisClient client,
      RedisCommands<byte[], byte[]> r,
      int rounds)
      throws Exception {
    int perRound = 1000;
    int total = rounds * perRound * 2 + 1;
    long[] sent = new long[total];
    long[] seen = new long[total];
    AtomicLong coalesced = new AtomicLong();
    AtomicLong last = new AtomicLong(-1);
    String key = "watched";
    store.put(key, sequenced(0));
    Subscription sub =
        watcherStore.watch(
            key,
            WatchOptions.DEFAULT,
            (KeyEvent e) -> {
              long now = System.nanoTime();
              coalesced.addAndGet(e.coalesced());
              e.pair()
                  .ifPresent(
                      p -> {
                        int s = seqOf(p.value());
                        seen[s] = now;
                        last.accumulateAndGet(s, Math::max);
                      });
            },
            Runnable::run);
    // the raw side: XADD on the shared connection, a blocking XREAD on one of its own
    byte[] stream = b("raw:stream");
    byte[] field = b("Praw:watched");
    XAddArgs maxlen = XAddArgs.Builder.maxlen(RedisOptions.DEFAULT_STREAM_LENGTH);
    String startId = r.xadd(stream, maxlen, field, sequenced(0));
    StatefulRedisConnection<byte[], byte[]> readConn = client.connect(ByteArrayCodec.INSTANCE);
    readConn.setTimeout(Duration.ofSeconds(5));
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread reader =
        new Thread(
            () -> {
              RedisCommands<byte[], byte[]> rc = readConn.sync();
              String from = startId;
              try {
                while (!stop.get()) {
                  @SuppressWarnings("unchecked")
                  List<StreamMessage<byte[], byte[]>> batch =
                      rc.xread(
                          XReadArgs.Builder.block(Duration.ofSeconds(1)).count(1000),
                          XReadArgs.StreamOffset.from(stream, from));
                  long now = System.nanoTime();
                  for (StreamMessage<byte[], byte[]> m : batch) {
                    for (byte[] v : m.getBody().values()) {
                      int s = seqOf(v);
                      seen[s] = now;
                      last.accumulateAndGet(s, Math::max);
                    }
                    from = m.getId();
                  }
                }
              } catch (RuntimeException e) {
                if (!stop.get()) {
                  failures.add(e);
                }
              }
            },
            "raw XREAD");
    reader.start();
    Side lib = new Side("libkv put -> watch event");
    Side raw = new Side("raw XADD -> XREAD");
    Side libWrites = new Side("  libkv puts/s under the watch");
    Side rawWrites = new Side("  raw XADDs/s under the XREAD");
    int seq = 1;
    long[] arrived = new long[2];
    try {
      Thread.sleep(300); // both readers are blocked in XREAD before the first write
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < 2; k++) {
          boolean libkv = (round % 2 == 0) == (k == 0);
          int first = seq;
          long t0 = System.nanoTime();
          for (int i = 0; i < perRound; i++, seq++) {
            byte[] v = sequenced(seq);
            sent[seq] = System.nanoTime();
            if (libkv) {
              store.put(key, v);
            } else {
              r.xadd(stream, maxlen, field, v);
            }
          }
          (libkv ? libWrites : rawWrites)
              .perSecond.add(perRound / ((System.nanoTime() - t0) / 1e9));
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
          while (last.get() < seq - 1) {
            if (System.nanoTime() > deadline || !failures.isEmpty()) {
              throw new IllegalStateException(
                  "write " + (seq - 1) + " not seen within 10 s (last " + last.get() + ")",
                  failures.isEmpty() ? null : failures.get(0));
            }
            Thread.sleep(1);
          }
          long[] d = new long[perRound];
          int got = 0;
          for (int s = first; s < seq; s++) {
            if (seen[s] != 0) {
              d[got++] = seen[s] - sent[s];
            }
          }
          (libkv ? lib : raw).add(d, got);
          arrived[libkv ? 0 : 1] += got;
        }
      }
    } finally {
      stop.set(true);
      sub.close();
      reader.join(3000);
      readConn.close();
    }
    System.out.println(
        "\nwatch delay, back-to-back writes from one client while another reads: from before the"
            + " write call to the event's arrival on the reader's thread, "
            + rounds
            + " rounds of "
            + perRound
            + " writes a side:");
    long each = (long) rounds * perRound;
    System.out.printf(
        Locale.ROOT,
        "  %-26s %s, %d of %d writes seen (%d coalesced); writer %s%n",
        lib.name,
        lib.latency(),
        arrived[0],
        each,
        coalesced.get(),
        libWrites.rate());
    System.out.printf(
        Locale.ROOT,
        "  %-26s %s, %d of %d writes seen; writer %s%n",
        raw.name,
        raw.latency(),
        arrived[1],
        each,
        rawWrites.rate());
  }

  /** {@code threads} workers running {@code cycle} for {@code millis}; cycles/s into the side. */
  private static void timed(Side side, int threads, long millis, Cycle cycle) throws Exception {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Thread> ts = new ArrayList<>();
    List<Times> times = new ArrayList<>();
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long t0 = System.nanoTime();
    for (int w = 0; w < threads; w++) {
      int worker = w;
      Times mine = new Times();
      times.add(mine);
      Thread t =
          new Thread(
              () -> {
                try {
                  while (System.nanoTime() < end) {
                    long a = System.nanoTime();
                    cycle.run(worker);
                    mine.add(System.nanoTime() - a);
                  }
                } catch (Exception | Error e) {
                  failures.add(e);
                }
              });
      ts.add(t);
      t.start();
    }
    for (Thread t : ts) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException(side.name + ": a worker failed", failures.get(0));
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    int count = 0;
    for (Times m : times) {
      side.add(m.nanos, m.n);
      count += m.n;
    }
    side.perSecond.add(count / elapsed);
  }

  private static void locks(Store store, RedisCommands<byte[], byte[]> r, int rounds)
      throws Exception {
    LockOptions options = LockOptions.builder().ttl(LOCK_TTL).build();
    String cad = r.scriptLoad(b(COMPARE_AND_DELETE));
    AtomicLong tokens = new AtomicLong();
    Cycle libkv =
        w -> {
          try (LockLease l = store.newLock("lock/k" + w, options).lock()) {
            l.checkHeld();
          }
        };
    Cycle raw =
        w -> {
          byte[] key = b("raw:lock:k" + w);
          byte[] token = b(Long.toString(tokens.incrementAndGet()));
          SetArgs nxpx = SetArgs.Builder.nx().px(LOCK_TTL.toMillis());
          for (int i = 0; r.set(key, token, nxpx) == null; i++) {
            check(i < MAX_ATTEMPTS, "raw lock never free");
          }
          Long deleted = r.evalsha(cad, ScriptOutputType.INTEGER, new byte[][] {key}, token);
          check(deleted != null && deleted == 1L, "raw unlock deleted the key");
        };
    long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (System.nanoTime() < warmUntil) {
      libkv.run(0);
      raw.run(0);
    }
    Side lib1 = new Side("libkv new Lock, lock(), close()  1 thread");
    Side raw1 = new Side("raw SET NX PX + Lua del        1 thread");
    Side lib4 = new Side("libkv new Lock, lock(), close()  4 threads, 4 keys");
    Side raw4 = new Side("raw SET NX PX + Lua del        4 threads, 4 keys");
    for (int round = 0; round < rounds; round++) {
      boolean libFirst = round % 2 == 0;
      timed(libFirst ? lib1 : raw1, 1, 1500, libFirst ? libkv : raw);
      timed(libFirst ? raw1 : lib1, 1, 1500, libFirst ? raw : libkv);
      timed(libFirst ? lib4 : raw4, THREADS, 1500, libFirst ? libkv : raw);
      timed(libFirst ? raw4 : lib4, THREADS, 1500, libFirst ? raw : libkv);
    }
    System.out.println(
        "\nlock cycles (a new Lock object per cycle, TTL "
            + LOCK_TTL.toSeconds()
            + " s; raw has no fencing token, no session, no wake-up of waiters), "
            + rounds
            + " rounds of 1.5 s; \"ops/s\" = cycles/s:");
    for (Side s : new Side[] {lib1, raw1, lib4, raw4}) {
      System.out.println(s.line());
    }
  }

  private static void contendedCas(
      Store store, RedisClient client, RedisCommands<byte[], byte[]> r, int rounds)
      throws Exception {
    String key = "counter";
    byte[] rawKey = b("raw:counter");
    store.put(key, b("0"));
    r.set(rawKey, b("0"));
    String casSha = r.scriptLoad(b(COMPARE_AND_SET));
    List<StatefulRedisConnection<byte[], byte[]>> own = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      own.add(client.connect(ByteArrayCodec.INSTANCE));
    }
    AtomicLong attempts = new AtomicLong();
    AtomicLong gaveUp = new AtomicLong();
    Map<String, Cycle> ways = new java.util.LinkedHashMap<>();
    ways.put(
        "libkv store.update",
        w -> {
          try {
            int[] calls = {0};
            store.update(
                key,
                p -> {
                  calls[0]++;
                  return b(Long.toString(number(p.orElseThrow().value()) + 1));
                });
            attempts.addAndGet(calls[0]);
          } catch (UpdateConflictException e) {
            attempts.addAndGet(e.attempts());
            gaveUp.incrementAndGet();
            throw new GaveUp();
          }
        });
    ways.put(
        "libkv get + atomicPut",
        w -> {
          for (int a = 1; a <= MAX_ATTEMPTS; a++) {
            KVPair p = store.get(key);
            attempts.incrementAndGet();
            try {
              store.atomicPut(
                  key, b(Long.toString(number(p.value()) + 1)), p, WriteOptions.DEFAULT);
              return;
            } catch (KeyModifiedException e) {
              // modified since the get: again
            }
          }
          throw new IllegalStateException("no success in " + MAX_ATTEMPTS + " attempts");
        });
    ways.put(
        "raw WATCH GET MULTI SET EXEC (own conn.)",
        w -> {
          RedisCommands<byte[], byte[]> c = own.get(w).sync();
          for (int a = 1; a <= MAX_ATTEMPTS; a++) {
            attempts.incrementAndGet();
            c.watch(rawKey);
            long v = number(c.get(rawKey));
            c.multi();
            c.set(rawKey, b(Long.toString(v + 1)));
            TransactionResult t = c.exec();
            if (!t.wasDiscarded()) {
              return;
            }
          }
          throw new IllegalStateException("no success in " + MAX_ATTEMPTS + " attempts");
        });
    ways.put(
        "raw GET + Lua compare-and-set",
        w -> {
          for (int a = 1; a <= MAX_ATTEMPTS; a++) {
            attempts.incrementAndGet();
            byte[] v = r.get(rawKey);
            Long ok =
                r.evalsha(
                    casSha,
                    ScriptOutputType.INTEGER,
                    new byte[][] {rawKey},
                    v,
                    b(Long.toString(number(v) + 1)));
            if (ok != null && ok == 1L) {
              return;
            }
          }
          throw new IllegalStateException("no success in " + MAX_ATTEMPTS + " attempts");
        });
    Map<String, Side> sides = new java.util.LinkedHashMap<>();
    Map<String, long[]> counts = new HashMap<>(); // successes, attempts, gave up, counter delta
    List<String> names = new ArrayList<>(ways.keySet());
    try {
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < names.size(); k++) {
          String name = names.get(round % 2 == 0 ? k : names.size() - 1 - k);
          boolean libkv = name.startsWith("libkv");
          long before = libkv ? number(store.get(key).value()) : number(r.get(rawKey));
          attempts.set(0);
          gaveUp.set(0);
          Side side = sides.computeIfAbsent(name, Side::new);
          int n0 = side.n;
          timed(side, THREADS, 2000, tolerant(Objects.requireNonNull(ways.get(name))));
          long after = libkv ? number(store.get(key).value()) : number(r.get(rawKey));
          long successes = side.n - n0 - gaveUp.get();
          long[] c = counts.computeIfAbsent(name, x -> new long[4]);
          c[0] += successes;
          c[1] += attempts.get();
          c[2] += gaveUp.get();
          c[3] += after - before;
        }
      }
    } finally {
      for (StatefulRedisConnection<byte[], byte[]> c : own) {
        c.close();
      }
    }
    System.out.println(
        "\ncontended compare-and-set: "
            + THREADS
            + " threads adding 1 to one counter, "
            + rounds
            + " rounds of 2 s; \"ops/s\" = completed increments/s (p50/p99: one increment with its"
            + " retries):");
    for (Map.Entry<String, Side> e : sides.entrySet()) {
      long[] c = Objects.requireNonNull(counts.get(e.getKey()));
      System.out.println(e.getValue().line());
      System.out.printf(
          Locale.ROOT,
          "      %.2f attempts per success, %d gave up, counter grew by %d for %d successes: %s%n",
          c[1] / (double) c[0],
          c[2],
          c[3],
          c[0],
          c[3] == c[0] ? "OK" : "MISMATCH");
    }
  }

  /** store.update's bound of attempts passed: counted apart, the worker goes on. */
  private static final class GaveUp extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  private static Cycle tolerant(Cycle c) {
    return w -> {
      try {
        c.run(w);
      } catch (GaveUp e) {
        // counted by the way itself
      }
    };
  }

  private static void redisBenchmark(int port) throws Exception {
    System.out.println("\nredis-benchmark on the same server (50 clients, 3-byte values):");
    runRedisBenchmark(port, "-t", "set,get", "-n", "100000", "-q");
    System.out.println(
        "redis-benchmark, 1 client, " + VALUE.length + "-byte values (one request at a time):");
    runRedisBenchmark(
        port, "-t", "set,get", "-n", "20000", "-c", "1", "-d", "" + VALUE.length, "-q");
  }

  private static void runRedisBenchmark(int port, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p", "" + port));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        out.append(line).append('\n');
      }
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("redis-benchmark did not finish in 60 s");
    }
    // -q still prints progress lines (ended by carriage returns); the figures are the summaries
    for (String line : out.toString().split("\n")) {
      if (line.contains("requests per second")) {
        System.out.println("  " + line.trim());
      }
    }
  }

  /**
   * Put on a primary with one replica: plain, with waitReplicas=1, and raw SET with and without
   * WAIT.
   */
  private static void waitCost(ClientResources resources, int rounds) throws Exception {
    try (RedisServer primary = RedisServer.start();
        RedisServer replica = RedisServer.start(new RedisServer.Options().replicaOf(primary))) {
      replica.awaitReplicationLink(Duration.ofSeconds(30));
      String base = "redis://127.0.0.1:" + primary.port();
      RedisClient client = rawClient(resources, primary.port());
      try (StatefulRedisConnection<byte[], byte[]> raw = client.connect(ByteArrayCodec.INSTANCE);
          Store plain = LibKV.open(base + "/plain");
          Store waiting = LibKV.open(base + "/waiting?waitReplicas=1")) {
        RedisCommands<byte[], byte[]> r = raw.sync();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < end) {
          plain.put("k", VALUE);
          waiting.put("k", VALUE);
          r.set(b("raw:k"), VALUE);
          r.waitForReplication(1, 1000);
        }
        System.out.println(
            "\nWAIT cost: put on a primary with one replica (loopback), 500 puts a round:");
        interleaved(
            rounds,
            500,
            new Side[] {
              new Side("libkv put"),
              new Side("libkv put, waitReplicas=1"),
              new Side("raw SET"),
              new Side("raw SET + WAIT 1 1000")
            },
            new Timing.Op[] {
              () -> plain.put("k", VALUE),
              () -> waiting.put("k", VALUE),
              () -> r.set(b("raw:k"), VALUE),
              () -> {
                r.set(b("raw:k"), VALUE);
                check(r.waitForReplication(1, 1000) >= 1, "WAIT reached the replica");
              }
            });
      } finally {
        client.shutdown(0, 2, TimeUnit.SECONDS);
      }
    }
  }

  private static String version() throws Exception {
    Process p = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8).trim();
    p.waitFor(10, TimeUnit.SECONDS);
    int v = out.indexOf("v=");
    return v < 0 ? out : out.substring(v + 2, out.indexOf(' ', v));
  }
}
