// Command golibkv-etcd measures Go's docker/libkv on etcd (its v2 API) and the same lock cycle on
// etcd's v3 API through Go's own clientv3, for libkv's GoLibkvEtcdComparison benchmark.
//
// Usage: golibkv-etcd HOST:PORT MODE SECONDS; it prints "MODE OPS_PER_SECOND".
//
//	lock     Go libkv's lock: Lock then Unlock (a create-only write and a compare-and-delete, v2)
//	cas      Go libkv's Get then AtomicPut on one key from 4 goroutines; counts successes (v2)
//	put      Go libkv's Put of a 100-byte value (v2)
//	v3lock   two v3 transactions per cycle, as libkv's lock makes them (clientv3)
//	v3cas    a linearizable v3 get then a transaction comparing the mod revision, 4 goroutines (clientv3)
//	v3put    a v3 put of a 100-byte value (clientv3)
//	watch20, watch0      Go libkv's Watch of a key put every 20 ms / back to back (v2); prints
//	                     "MODE P50_MS P99_MS DELIVERED PUTS" (common.go's watchDelays)
//	v3watch20, v3watch0  the same through clientv3's Watch and Put
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/coreos/etcd/clientv3"
	"github.com/docker/libkv"
	"github.com/docker/libkv/store"
	"github.com/docker/libkv/store/etcd"
)

var value = strings.Repeat("v", 100)

func main() {
	args, d := programArgs("golibkv-etcd HOST:PORT MODE SECONDS")
	addr, mode := args[0], args[1]
	switch mode {
	case "watch20", "watch0":
		v2watch(addr, mode, d)
		return
	case "v3watch20", "v3watch0":
		v3watch(addr, mode, d)
		return
	}
	var rate float64
	switch mode {
	case "lock", "cas", "put":
		rate = v2(addr, mode, d)
	case "v3lock", "v3put", "v3cas":
		rate = v3(addr, mode, d)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
	fmt.Printf("%s %.1f\n", mode, rate)
}

func v2(addr, mode string, d time.Duration) float64 {
	etcd.Register()
	s, err := libkv.NewStore(store.ETCD, []string{addr}, &store.Config{ConnectionTimeout: 10 * time.Second})
	must(err)
	defer s.Close()
	switch mode {
	case "lock":
		l, err := s.NewLock("golibkv/lock", &store.LockOptions{TTL: 15 * time.Second, Value: []byte(value)})
		must(err)
		return loop(d, func() {
			_, err := l.Lock(nil)
			must(err)
			must(l.Unlock())
		})
	case "put":
		return loop(d, func() { must(s.Put("golibkv/put", []byte(value), nil)) })
	}
	key := "golibkv/cas"
	must(s.Put(key, []byte(value), nil))
	return contended(d, func() bool {
		p, err := s.Get(key)
		must(err)
		_, _, err = s.AtomicPut(key, []byte(value), p, nil)
		return err == nil
	})
}

// contended goroutines, as the cas mode, through clientv3: returns successes per second.
func v3cas(ctx context.Context, c *clientv3.Client, d time.Duration) float64 {
	key := "golibkv3/cas"
	_, err := c.Put(ctx, key, value)
	must(err)
	return contended(d, func() bool {
		g, err := c.Get(ctx, key)
		must(err)
		r, err := c.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", g.Kvs[0].ModRevision)).
			Then(clientv3.OpPut(key, value)).Else(clientv3.OpGet(key)).Commit()
		must(err)
		return r.Succeeded
	})
}

func v3(addr, mode string, d time.Duration) float64 {
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{addr}, DialTimeout: 10 * time.Second})
	must(err)
	defer c.Close()
	ctx := context.Background()
	if mode == "v3put" {
		return loop(d, func() {
			_, err := c.Put(ctx, "golibkv3/put", value)
			must(err)
		})
	}
	if mode == "v3cas" {
		return v3cas(ctx, c, d)
	}
	lease, err := c.Grant(ctx, 60)
	must(err)
	key, entry := "golibkv3/lock", "golibkv3/_queue/1"
	return loop(d, func() {
		// take the lock when free: queue entry and key on the lease, in one transaction
		r, err := c.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
			Then(clientv3.OpPut(entry, "", clientv3.WithLease(lease.ID)),
				clientv3.OpPut(key, value, clientv3.WithLease(lease.ID))).Commit()
		must(err)
		// release: the key if it is still ours, and the entry
		_, err = c.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", r.Header.Revision)).
			Then(clientv3.OpDelete(key), clientv3.OpDelete(entry)).Else(clientv3.OpDelete(entry)).Commit()
		must(err)
	})
}

func v2watch(addr, mode string, d time.Duration) {
	etcd.Register()
	s, err := libkv.NewStore(store.ETCD, []string{addr}, &store.Config{ConnectionTimeout: 10 * time.Second})
	must(err)
	defer s.Close()
	storeWatchDelays(s, mode, d)
}

func v3watch(addr, mode string, d time.Duration) {
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{addr}, DialTimeout: 10 * time.Second})
	must(err)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	key := "golibkv3/watch"
	responses := c.Watch(ctx, key)
	values := make(chan []byte, 1<<16)
	go func() {
		for r := range responses {
			for _, e := range r.Events {
				values <- e.Kv.Value
			}
		}
	}()
	watchDelays(mode, d, cadenceOf(mode), func(v string) {
		_, err := c.Put(ctx, key, v)
		must(err)
	}, values)
}
