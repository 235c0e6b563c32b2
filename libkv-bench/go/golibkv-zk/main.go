// Command golibkv-zk measures Go's docker/libkv on ZooKeeper, for libkv's WatchLatencyComparison
// benchmark.
//
// Usage: golibkv-zk HOST:PORT MODE SECONDS
//
//	watch20, watch0  Go libkv's Watch of a key put every 20 ms / back to back; prints
//	                 "MODE P50_MS P99_MS DELIVERED PUTS" (common.go's watchDelays)
package main

import (
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"time"

	"github.com/docker/libkv"
	"github.com/docker/libkv/store"
	"github.com/docker/libkv/store/zookeeper"
)

func main() {
	args, d := programArgs("golibkv-zk HOST:PORT MODE SECONDS")
	addr, mode := args[0], args[1]
	if mode != "watch20" && mode != "watch0" {
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
	// the ZooKeeper client logs its connection to the standard logger; the output is the figures
	log.SetOutput(ioutil.Discard)
	zookeeper.Register()
	s, err := libkv.NewStore(store.ZK, []string{addr}, &store.Config{ConnectionTimeout: 10 * time.Second})
	must(err)
	defer s.Close()
	storeWatchDelays(s, mode, d)
}
