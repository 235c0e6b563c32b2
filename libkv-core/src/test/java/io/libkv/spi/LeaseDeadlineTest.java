package io.libkv.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.KVException;
import io.libkv.LockLostException;
import io.libkv.ManualTimeSource;
import io.libkv.StoreUnavailableException;
import io.libkv.Subscription;
import io.libkv.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A lease's deadline: the send time of the last confirmed renewal plus two thirds of the TTL. */
class LeaseDeadlineTest {
  private static final Duration TTL = Duration.ofSeconds(3);
  private static final long TWO_THIRDS = Duration.ofSeconds(2).toNanos();

  /**
   * A clock whose timer threads do not run until told: what a process sees right after SIGCONT,
   * when the clock has jumped and no timer or event thread has run yet.
   */
  static final class FrozenTimers implements TimeSource {
    long now;
    final List<Runnable> due = new ArrayList<>();
    final List<long[]> at = new ArrayList<>();

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public Subscription schedule(Runnable task, Duration delay) {
      due.add(task);
      at.add(new long[] {now + delay.toNanos()});
      int i = due.size() - 1;
      return () -> due.set(i, () -> {});
    }

    /** Runs the tasks due by now, once each (those they schedule wait for the next call). */
    void runDue() {
      int n = due.size();
      for (int i = 0; i < n; i++) {
        if (at.get(i)[0] <= now) {
          Runnable r = due.get(i);
          due.set(i, () -> {});
          at.get(i)[0] = Long.MAX_VALUE;
          r.run();
        }
      }
    }
  }

  static final class Lease extends AbstractLockLease {
    final AtomicInteger releases = new AtomicInteger();

    Lease(LeaseDeadline d) {
      super("locks/a", 7, "memory:test", d);
      onEnd(() -> {});
    }

    @Override
    protected void release() {
      releases.incrementAndGet();
    }
  }

  private static LeaseDeadline fixed(TimeSource time, long until) {
    return new LeaseDeadline() {
      @Override
      public TimeSource time() {
        return time;
      }

      @Override
      public long confirmedUntil() {
        return until;
      }
    };
  }

  @Test
  void theFirstCheckAfterAPausePastTheDeadlineSaysLostBeforeAnyTimerRuns() {
    FrozenTimers time = new FrozenTimers();
    AtomicBoolean watchdogSaidLost = new AtomicBoolean();
    KeepAlive k =
        KeepAlive.start("s", TTL, time, Runnable::run, () -> {}, e -> watchdogSaidLost.set(true));
    Lease lease = new Lease(k);
    time.now = TWO_THIRDS - 1;
    assertThat(lease.isHeld()).isTrue();
    // paused past the deadline: the clock moved, the keep-alive's timers have not run
    time.now = TWO_THIRDS + Duration.ofSeconds(5).toNanos();
    assertThat(lease.isHeld()).as("first check after the pause").isFalse();
    assertThat(lease.lost()).isCompleted();
    assertThat(watchdogSaidLost).as("no timer ran").isFalse();
    assertThatThrownBy(lease::checkHeld)
        .isInstanceOf(LockLostException.class)
        .hasMessageContaining("locks/a")
        .hasMessageContaining("memory:test")
        .hasMessageContaining("docs/errors.md#lock-lost")
        .satisfies(e -> assertThat(((LockLostException) e).key()).contains("locks/a"))
        .satisfies(e -> assertThat(((LockLostException) e).store()).contains("memory:test"));
    k.close();
  }

  @Test
  void theDeadlineIsTheSendTimeOfTheLastSuccessfulRenewalPlusTwoThirdsOfTheTtl() {
    FrozenTimers time = new FrozenTimers();
    AtomicBoolean failing = new AtomicBoolean();
    long[] renewalTook = {0};
    KeepAlive k =
        KeepAlive.start(
            "s",
            TTL,
            -Duration.ofMillis(300).toNanos(),
            time,
            Runnable::run,
            () -> {
              if (failing.get()) {
                throw new StoreUnavailableException("down", null, null, List.of(), null);
              }
              time.now += renewalTook[0];
            },
            e -> {});
    // the creating request was sent 300 ms before start(): that is where the span counts from
    assertThat(k.confirmedUntil()).isEqualTo(TWO_THIRDS - Duration.ofMillis(300).toNanos());
    Lease lease = new Lease(k);
    // the renewal due at a third of the TTL from the send time, taking 400 ms to come back
    time.now = Duration.ofMillis(700).toNanos();
    renewalTook[0] = Duration.ofMillis(400).toNanos();
    time.runDue();
    assertThat(k.confirmedUntil())
        .as("counted from when it was sent, not when it came back")
        .isEqualTo(Duration.ofMillis(700).toNanos() + TWO_THIRDS);
    failing.set(true);
    time.now = Duration.ofMillis(700).toNanos() + TWO_THIRDS - 1;
    assertThat(lease.isHeld()).isTrue();
    lease.checkHeld();
    time.now += 1;
    assertThat(lease.isHeld()).isFalse();
    k.close();
  }

  @Test
  void aRenewalSentAfterTheDeadlineDoesNotRevive() {
    FrozenTimers time = new FrozenTimers();
    AtomicInteger renewals = new AtomicInteger();
    AtomicBoolean lost = new AtomicBoolean();
    KeepAlive k =
        KeepAlive.start(
            "s", TTL, time, Runnable::run, renewals::incrementAndGet, e -> lost.set(true));
    // paused from before the first renewal until after the deadline; then the renewal runs first
    time.now = TWO_THIRDS + 1;
    time.runDue();
    assertThat(renewals).hasValue(1);
    assertThat(k.confirmedUntil()).isEqualTo(TWO_THIRDS);
    assertThat(lost).isTrue();
    assertThat(k.isRunning()).isFalse();
    assertThat(new Lease(k).isHeld()).isFalse();
  }

  @Test
  void renewalsKeepItHeldAndTheTimerCompletesLostAtTheDeadlineWithoutACheck() {
    ManualTimeSource time = new ManualTimeSource();
    AtomicBoolean failing = new AtomicBoolean();
    KeepAlive k =
        KeepAlive.start(
            "s",
            TTL,
            time,
            Runnable::run,
            () -> {
              if (failing.get()) {
                throw new StoreUnavailableException("down", null, null, List.of(), null);
              }
            },
            e -> {});
    Lease lease = new Lease(k);
    time.advance(Duration.ofSeconds(30));
    assertThat(lease.isHeld()).isTrue();
    assertThat(lease.lost()).isNotDone();
    failing.set(true); // last success sent at t=30s
    time.advance(Duration.ofNanos(TWO_THIRDS - 1));
    assertThat(lease.lost()).isNotDone();
    time.advance(Duration.ofNanos(1));
    assertThat(lease.lost()).as("the lease's timer fired at t=32s").isCompleted();
    assertThat(lease.isHeld()).isFalse();
    k.close();
  }

  @Test
  void theTimerFiresAtTheDeadlineItselfWhenNothingChecks() {
    ManualTimeSource time = new ManualTimeSource();
    Lease lease = new Lease(fixed(time, Duration.ofSeconds(5).toNanos()));
    time.advance(Duration.ofMillis(4999));
    assertThat(lease.lost()).isNotDone();
    time.advance(Duration.ofMillis(1));
    assertThat(lease.lost()).isCompleted();
    assertThat(time.pending()).as("no timer left behind").isEmpty();
  }

  @Test
  void anUnlockedLeaseNeverReportsALoss() {
    ManualTimeSource time = new ManualTimeSource();
    Lease lease = new Lease(fixed(time, Duration.ofSeconds(1).toNanos()));
    lease.close();
    assertThat(lease.releases).hasValue(1);
    assertThat(time.pending()).as("its timer is cancelled").isEmpty();
    time.advance(Duration.ofSeconds(5));
    assertThat(lease.isHeld()).isFalse();
    assertThat(lease.lost()).isNotDone();
    assertThatThrownBy(lease::checkHeld)
        .isInstanceOf(IllegalStateException.class)
        .isNotInstanceOf(KVException.class);
  }

  @Test
  void aLeaseLostAtItsDeadlineIsNotReleasedByALateClose() {
    FrozenTimers time = new FrozenTimers();
    Lease lease = new Lease(fixed(time, 100));
    time.now = 100;
    assertThatThrownBy(lease::checkHeld)
        .isInstanceOf(LockLostException.class)
        .hasMessageContaining("deadline of its last confirmed renewal had passed");
    lease.close();
    assertThat(lease.releases).as("another holder may have it now").hasValue(0);
  }
}
