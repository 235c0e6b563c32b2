package io.libkv.recipes.process;

import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockLostException;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.recipes.discovery.ServiceRegistration;
import io.libkv.recipes.election.Candidate;
import io.libkv.recipes.election.Leadership;
import io.libkv.recipes.election.LeadershipListener;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A child process of the recipe tests. {@code candidate URI KEY NODE TTL_MS LOG_DIR} runs for
 * leadership and, while it believes it leads, appends to the fenced log every 50 ms with its term;
 * {@code members URI SERVICE PREFIX COUNT TTL_MS} registers COUNT members. Both print {@code
 * ready}, then {@code elected T} / {@code deposed T} for a candidate, and stop cleanly on SIGTERM.
 * {@code lock URI KEY TTL_MS} holds a lock, prints {@code locked TOKEN}, then answers each {@code
 * check} line on stdin with what the lease says at once ({@code held B checkHeld ok|lost}) and, if
 * it said held, how long it went on saying so ({@code gone MS}).
 */
public final class ChildMain {
  private ChildMain() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    Store store = LibKV.open(args[1]);
    CountDownLatch stop = new CountDownLatch(1);
    List<AutoCloseable> closing = new ArrayList<>();
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              for (int i = closing.size() - 1; i >= 0; i--) {
                try {
                  closing.get(i).close();
                } catch (Exception e) {
                  System.err.println("close: " + e);
                }
              }
              store.close();
              System.out.flush();
            });
    switch (args[0]) {
      case "candidate" -> {
        String node = args[3];
        FileFencedLog log = new FileFencedLog(Path.of(args[5]));
        Candidate c =
            Candidate.builder(store, args[2], node)
                .ttl(Duration.ofMillis(Long.parseLong(args[4])))
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .resignPause(Duration.ofMillis(200))
                .listener(
                    new LeadershipListener() {
                      @Override
                      public void elected(Leadership term) {
                        say("elected " + term.term());
                      }

                      @Override
                      public void deposed(Leadership term) {
                        say("deposed " + term.term());
                      }
                    },
                    Runnable::run)
                .start();
        closing.add(c);
        Runtime.getRuntime().addShutdownHook(hook);
        say("ready");
        while (stop.getCount() > 0) {
          // a leader acts on what it believes; the fence, not this check, keeps a stale one out
          Optional<Leadership> l = c.leadership();
          if (l.isPresent()) {
            log.append(l.get().term(), node);
          }
          Thread.sleep(50);
        }
      }
      case "members" -> {
        int count = Integer.parseInt(args[4]);
        Duration ttl = Duration.ofMillis(Long.parseLong(args[5]));
        for (int i = 0; i < count; i++) {
          String id = args[3] + "-" + i;
          closing.add(
              ServiceRegistration.builder(store, args[2], id)
                  .address("127.0.0.1:" + (10_000 + i))
                  .ttl(ttl)
                  .heartbeat(ttl.dividedBy(3))
                  .register());
        }
        Runtime.getRuntime().addShutdownHook(hook);
        say("ready");
        stop.await();
      }
      case "lock" -> {
        LockLease lease =
            store
                .newLock(
                    args[2],
                    LockOptions.builder()
                        .value("child")
                        .ttl(Duration.ofMillis(Long.parseLong(args[3])))
                        .build())
                .lock();
        closing.add(lease);
        Runtime.getRuntime().addShutdownHook(hook);
        say("locked " + lease.fencingToken());
        BufferedReader in =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String cmd; (cmd = in.readLine()) != null; ) {
          if (cmd.equals("check")) {
            // nothing else asks the lease between the resume and this call
            boolean held = lease.isHeld();
            long since = System.nanoTime();
            String checked;
            try {
              lease.checkHeld();
              checked = "ok";
            } catch (LockLostException e) {
              checked = "lost";
            }
            say("held " + held + " checkHeld " + checked);
            if (held) {
              while (lease.isHeld() && System.nanoTime() - since < 10_000_000_000L) {
                Thread.sleep(1);
              }
              say("gone " + (lease.isHeld() ? "never" : (System.nanoTime() - since) / 1_000_000));
            }
          }
        }
      }
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
