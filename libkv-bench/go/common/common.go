// What the Go comparison programs share: a timed loop, a contended loop and the watch-delay
// measurement. build.sh copies this file beside each program's main.go.
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/libkv/store"
)

// loop runs op until d has passed and returns how many times per second it ran.
func loop(d time.Duration, op func()) float64 {
	n := 0
	start := time.Now()
	for end := start.Add(d); time.Now().Before(end); n++ {
		op()
	}
	return float64(n) / time.Since(start).Seconds()
}

// contended runs attempt from 4 goroutines until d has passed and returns its successes per second.
func contended(d time.Duration, attempt func() bool) float64 {
	var ok int64
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				if attempt() {
					atomic.AddInt64(&ok, 1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(ok) / time.Since(start).Seconds()
}

// programArgs returns the program's arguments, of which there must be as many as usage names after
// the program's name, and the duration their third one gives in seconds; a wrong count exits with 2.
func programArgs(usage string) ([]string, time.Duration) {
	if len(os.Args) != len(strings.Fields(usage)) {
		fmt.Fprintln(os.Stderr, "usage: "+usage)
		os.Exit(2)
	}
	secs, err := strconv.Atoi(os.Args[3])
	must(err)
	return os.Args[1:], time.Duration(secs) * time.Second
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// watchValue is the value of put number seq: the number, then padding to 100 bytes.
func watchValue(seq int) string {
	s := strconv.Itoa(seq) + ":"
	return s + strings.Repeat("v", 100-len(s))
}

// watchSeq is the put number a value carries, or -1.
func watchSeq(v []byte) int {
	s := string(v)
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return -1
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil {
		return -1
	}
	return n
}

// watchDelays puts numbered values for d, one every cadence (0: each put as soon as the last one
// returned), while values arrive on events from a watch opened before; it prints
// "MODE P50_MS P99_MS DELIVERED PUTS": the delay from the start of a put to the arrival of its
// value, over the values delivered (a watch may skip some when puts come back to back).
func watchDelays(mode string, d, cadence time.Duration, put func(v string), events <-chan []byte) {
	const max = 1 << 20
	starts := make([]int64, max)
	base := time.Now()
	var mu sync.Mutex
	var delays []float64
	seen := make(map[int]bool)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for v := range events {
			at := time.Since(base).Nanoseconds()
			seq := watchSeq(v)
			if seq < 0 || seq >= max {
				continue
			}
			start := atomic.LoadInt64(&starts[seq])
			mu.Lock()
			if start > 0 && !seen[seq] {
				seen[seq] = true
				delays = append(delays, float64(at-start)/1e6)
			}
			mu.Unlock()
		}
	}()
	puts := 0
	end := time.Now().Add(d)
	next := time.Now()
	for seq := 1; seq < max && time.Now().Before(end); seq++ {
		atomic.StoreInt64(&starts[seq], time.Since(base).Nanoseconds())
		put(watchValue(seq))
		puts++
		if cadence > 0 {
			next = next.Add(cadence)
			time.Sleep(time.Until(next))
		}
	}
	// the last events' time to arrive
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(delays) == 0 {
		panic("no watch event arrived")
	}
	sort.Float64s(delays)
	pct := func(p float64) float64 { return delays[int(p*float64(len(delays)-1))] }
	fmt.Printf("%s %.3f %.3f %d %d\n", mode, pct(0.50), pct(0.99), len(delays), puts)
}

// cadenceOf is the put cadence a watch mode names: watch20 every 20 ms, watch0 back to back.
func cadenceOf(mode string) time.Duration {
	ms, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(mode, "v3"), "watch"))
	must(err)
	return time.Duration(ms) * time.Millisecond
}

// storeWatchDelays runs watchDelays on Go libkv's Watch of one key of s, put through s.
func storeWatchDelays(s store.Store, mode string, d time.Duration) {
	key := "golibkv/watch"
	must(s.Put(key, []byte(watchValue(0)), nil))
	stop := make(chan struct{})
	pairs, err := s.Watch(key, stop)
	must(err)
	<-pairs // the current value
	values := make(chan []byte, 1<<16)
	go func() {
		for p := range pairs {
			values <- p.Value
		}
	}()
	watchDelays(mode, d, cadenceOf(mode), func(v string) { must(s.Put(key, []byte(v), nil)) }, values)
	close(stop)
}
