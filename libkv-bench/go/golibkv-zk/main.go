// Command golibkv-zk measures Go's docker/libkv on ZooKeeper, for libkv's WatchLatencyComparison
// and ZooKeeperCounterContention benchmarks.
//
// Usage: golibkv-zk HOST:PORT MODE SECONDS
//
//	watch20, watch0  Go libkv's Watch of a key put every 20 ms / back to back; prints
//	                 "MODE P50_MS P99_MS DELIVERED PUTS" (common.go's watchDelays)
//	cas              4 goroutines adding 1 to the decimal counter at key golibkv/counter (put to 0
//	                 first), each attempt a Get then an AtomicPut at the version read (a getData and
//	                 a setData), again on ErrKeyModified; prints "MODE SUCCESSES_PER_SECOND
//	                 ATTEMPTS_PER_SUCCESS P50_MS P99_MS SUCCESSES" (the latencies of one attempt)
package main

import (
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/libkv"
	"github.com/docker/libkv/store"
	"github.com/docker/libkv/store/zookeeper"
)

func main() {
	args, d := programArgs("golibkv-zk HOST:PORT MODE SECONDS")
	addr, mode := args[0], args[1]
	if mode != "watch20" && mode != "watch0" && mode != "cas" {
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
	// the ZooKeeper client logs its connection to the standard logger; the output is the figures
	log.SetOutput(ioutil.Discard)
	zookeeper.Register()
	s, err := libkv.NewStore(store.ZK, []string{addr}, &store.Config{ConnectionTimeout: 10 * time.Second})
	must(err)
	defer s.Close()
	if mode == "cas" {
		counterCAS(s, mode, d)
		return
	}
	storeWatchDelays(s, mode, d)
}

// counterCAS runs the cas mode: Go libkv's read-then-compare-and-set loop as a user writes it.
func counterCAS(s store.Store, mode string, d time.Duration) {
	key := "golibkv/counter"
	must(s.Put(key, []byte("0"), nil))
	var successes int64
	var mu sync.Mutex
	var millis []float64 // each attempt's time; a few thousand a second, so one lock is no bottleneck
	rate := contended(d, func() bool {
		start := time.Now()
		p, err := s.Get(key)
		must(err)
		n, err := strconv.ParseInt(string(p.Value), 10, 64)
		must(err)
		_, _, err = s.AtomicPut(key, []byte(strconv.FormatInt(n+1, 10)), p, nil)
		took := float64(time.Since(start).Nanoseconds()) / 1e6
		mu.Lock()
		millis = append(millis, took)
		mu.Unlock()
		if err == store.ErrKeyModified {
			return false
		}
		// any other error is a failure, not a conflict: a lost connection must not pass for one
		must(err)
		atomic.AddInt64(&successes, 1)
		return true
	})
	if successes == 0 {
		panic("no compare-and-set succeeded")
	}
	sort.Float64s(millis)
	pct := func(p float64) float64 { return millis[int(p*float64(len(millis)-1))] }
	fmt.Printf("%s %.1f %.3f %.3f %.3f %d\n", mode, rate, float64(len(millis))/float64(successes),
		pct(0.50), pct(0.99), successes)
}
