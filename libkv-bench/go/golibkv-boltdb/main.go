// Command golibkv-boltdb measures Go's docker/libkv on a bbolt file, for libkv's
// GoLibkvBoltdbComparison benchmark: the same workloads on the same disk.
//
// Usage: golibkv-boltdb FILE MODE SECONDS PERSIST; it prints "MODE OPS_PER_SECOND".
// PERSIST true keeps the file open (PersistConnection); false opens and closes it per call, as
// Go libkv does by default so that several processes can share the file.
//
//	put      Put of a new key, a 100-byte value
//	over     Put over one existing key
//	get      Get of an existing key
//	list     List of a directory of 1,000 keys
//	cas      Get then AtomicPut on one key from 4 goroutines; counts successes
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docker/libkv"
	"github.com/docker/libkv/store"
	"github.com/docker/libkv/store/boltdb"
)

var value = []byte(strings.Repeat("v", 100))

func main() {
	args, d := programArgs("golibkv-boltdb FILE MODE SECONDS PERSIST")
	file, mode := args[0], args[1]
	persist, err := strconv.ParseBool(args[3])
	must(err)
	boltdb.Register()
	s, err := libkv.NewStore(store.BOLTDB, []string{file}, &store.Config{
		Bucket: "libkv", PersistConnection: persist, ConnectionTimeout: 10 * time.Second})
	must(err)
	defer s.Close()
	var rate float64
	switch mode {
	case "put":
		i := 0
		rate = loop(d, func() { i++; must(s.Put("bench/new/"+strconv.Itoa(i), value, nil)) })
	case "over":
		rate = loop(d, func() { must(s.Put("bench/over", value, nil)) })
	case "get":
		must(s.Put("bench/get", value, nil))
		rate = loop(d, func() { _, err := s.Get("bench/get"); must(err) })
	case "list":
		for i := 0; i < 1000; i++ {
			must(s.Put(fmt.Sprintf("bench/list/k%04d", i), value, nil))
		}
		rate = loop(d, func() {
			l, err := s.List("bench/list")
			must(err)
			if len(l) != 1000 {
				panic(len(l))
			}
		})
	case "cas":
		rate = cas(s, d)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
	fmt.Printf("%s %.1f\n", mode, rate)
}

func cas(s store.Store, d time.Duration) float64 {
	key := "bench/cas"
	_, _, err := s.AtomicPut(key, []byte("0"), nil, nil)
	if err != nil && err != store.ErrKeyExists {
		panic(err)
	}
	return contended(d, func() bool {
		p, err := s.Get(key)
		must(err)
		n, _ := strconv.Atoi(string(p.Value))
		_, _, err = s.AtomicPut(key, []byte(strconv.Itoa(n+1)), p, nil)
		if err != nil && err != store.ErrKeyModified {
			panic(err)
		}
		return err == nil
	})
}
