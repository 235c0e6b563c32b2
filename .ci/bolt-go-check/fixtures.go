package main

// The Go-written test fixtures: each recipe writes one database file with Go's own libraries, then
// the file's canonical dump (inspect) and a manifest of what the file holds are written next to it.
// The manifest's layout figures come from layoutOf, a page walk independent of the Java engine, so
// the Java tests compare two readers of the same bytes. Recipes are deterministic (seeded random
// data); bytes may still differ between runs because Go writes sibling buckets in map order, so
// tests compare contents by digest, never files by hash.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"time"

	oldbolt "github.com/boltdb/bolt"
	"github.com/docker/libkv/store"
	"github.com/docker/libkv/store/boltdb"
	bolt "go.etcd.io/bbolt"
)

type recipe struct {
	name        string
	description string
	writer      string
	write       func(path string) (facts map[string]interface{}, err error)
}

const (
	bboltWriter = "go.etcd.io/bbolt 1.3.6"
	oldWriter   = "github.com/boltdb/bolt 1.3.1"
)

var recipes = []recipe{
	{"empty", "a freshly created database: two meta pages, an empty freelist page, an empty root leaf; no buckets", bboltWriter, writeEmpty},
	{"small", "one top-level bucket \"widgets\" holding key-00..key-09 -> value-0..value-9", bboltWriter, writeSmall},
	{"overflow", "values of 1 MiB and 4 MiB, values around the page size, a 32768-byte key, a leaf of four 1 MiB values, 300 keys of 10000 bytes (branch pages with overflow); a second transaction rewrites and deletes some", bboltWriter, writeOverflow},
	{"inline", "inline buckets (empty and small), buckets at and just over the inline size limit, 30 levels of nesting, bucket sequences, binary and UTF-8 keys, empty values, a bucket that shrank back to inline", bboltWriter, writeInline},
	{"libkv", "written only through docker/libkv's boltdb store (bucket \"libkv\"): keys under several prefixes, with overwrites, AtomicPut, AtomicDelete, Delete and DeleteTree", "github.com/docker/libkv 0.2.1 store/boltdb over " + bboltWriter, writeLibkv},
	{"freelist-escape", "page size 1024; a 64 MiB value was written then deleted, so the freelist holds more than 65535 ids and uses the 0xFFFF count escape", bboltWriter, writeFreelistEscape},
	{"pagesize-16k", "page size 16384; 2000 keys in two nested buckets, some deleted", bboltWriter, writePagesize16k},
	{"nofreelistsync", "written with NoFreelistSync: the meta's freelist field is all ones and no freelist page exists; some pages are free", bboltWriter + " with Options.NoFreelistSync", writeNoFreelistSync},
	{"boltdb-v1.3.1", "written by the original github.com/boltdb/bolt 1.3.1: nested buckets, a sequence, deletions over three transactions", oldWriter, writeOldBolt},
	{"hotcopy", "a copy made by bbolt's Tx.CopyFile of a live database at txid 5: meta 0 holds txid 5 and meta 1 txid 4, so the newest meta is not in slot txid % 2", bboltWriter + " Tx.CopyFile", writeHotcopy},
}

func writeFixtures(dir string, names []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var index []map[string]string
	for _, r := range recipes {
		if len(want) > 0 && !want[r.name] {
			continue
		}
		delete(want, r.name)
		path := filepath.Join(dir, r.name+".db")
		os.Remove(path)
		facts, err := r.write(path)
		if err != nil {
			return fmt.Errorf("%s: %v", r.name, err)
		}
		dump, problems := inspect(path)
		if len(problems) > 0 {
			return fmt.Errorf("%s: Go's checks: %s", r.name, strings.Join(problems, "; "))
		}
		if err := os.WriteFile(filepath.Join(dir, r.name+".dump"), []byte(dump), 0o644); err != nil {
			return err
		}
		layout, err := layoutOf(path)
		if err != nil {
			return fmt.Errorf("%s: layout: %v", r.name, err)
		}
		var buckets, keys, bytes int64
		fmt.Sscanf(dump[strings.Index(dump, "# buckets="):], "# buckets=%d keys=%d valuebytes=%d", &buckets, &keys, &bytes)
		digest := dump[strings.LastIndex(dump, "digest ")+len("digest ") : len(dump)-1]
		manifest := map[string]interface{}{
			"file": r.name + ".db", "description": r.description, "writer": r.writer,
			"dumpFormat": "bbolt-dump v1", "digest": digest,
			"buckets": buckets, "keys": keys, "valueBytes": bytes,
			"layout": layout, "facts": facts,
		}
		if err := writeJSON(filepath.Join(dir, r.name+".json"), manifest); err != nil {
			return err
		}
		index = append(index, map[string]string{"file": r.name + ".db", "manifest": r.name + ".json",
			"digest": digest, "description": r.description})
	}
	if len(want) > 0 {
		return fmt.Errorf("unknown fixture names: %v", want)
	}
	return writeJSON(filepath.Join(dir, "index.json"), index)
}

func writeJSON(path string, v interface{}) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

func open(path string, o *bolt.Options) (*bolt.DB, error) {
	if o == nil {
		o = &bolt.Options{}
	}
	o.Timeout = 10 * time.Second
	o.NoSync = true // fixtures are written once; durability is not what they test
	return bolt.Open(path, 0o644, o)
}

func writeEmpty(path string) (map[string]interface{}, error) {
	db, err := open(path, &bolt.Options{PageSize: 4096})
	if err != nil {
		return nil, err
	}
	return map[string]interface{}{"pageSize": 4096}, db.Close()
}

func writeSmall(path string) (map[string]interface{}, error) {
	db, err := open(path, &bolt.Options{PageSize: 4096})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("widgets"))
		if err != nil {
			return err
		}
		for i := 0; i < 10; i++ {
			if err := b.Put([]byte(fmt.Sprintf("key-%02d", i)), []byte(fmt.Sprintf("value-%d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	return map[string]interface{}{"bucket": "widgets", "transactions": 1}, err
}

func writeOverflow(path string) (map[string]interface{}, error) {
	db, err := open(path, &bolt.Options{PageSize: 4096})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	r := rand.New(rand.NewSource(7))
	err = db.Update(func(tx *bolt.Tx) error {
		blobs, err := tx.CreateBucket([]byte("blobs"))
		if err != nil {
			return err
		}
		for _, n := range []int{4000, 4079, 4080, 4081, 4096, 4097, 8192, 12000, 1 << 20, 4 << 20} {
			if err := blobs.Put([]byte(fmt.Sprintf("size-%07d", n)), randBytes(r, n)); err != nil {
				return err
			}
		}
		if err := blobs.Put(bytesOf('K', 32768), []byte("the longest key bbolt accepts")); err != nil {
			return err
		}
		// a node of at most four elements is never split: these share one multi-page leaf
		four, err := tx.CreateBucket([]byte("four-huge"))
		if err != nil {
			return err
		}
		for i := 0; i < 4; i++ {
			if err := four.Put([]byte{byte('a' + i)}, randBytes(r, 1<<20)); err != nil {
				return err
			}
		}
		big, err := tx.CreateBucket([]byte("big-keys"))
		if err != nil {
			return err
		}
		for i := 0; i < 300; i++ {
			k := append([]byte(fmt.Sprintf("%04d-", i)), bytesOf('k', 9995)...)
			if err := big.Put(k, []byte{byte(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		blobs := tx.Bucket([]byte("blobs"))
		if err := blobs.Put([]byte("size-1048576"), randBytes(r, 300000)); err != nil {
			return err
		}
		if err := blobs.Delete([]byte("size-0004096")); err != nil {
			return err
		}
		big := tx.Bucket([]byte("big-keys"))
		for i := 0; i < 300; i += 7 {
			k := append([]byte(fmt.Sprintf("%04d-", i)), bytesOf('k', 9995)...)
			if err := big.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	return map[string]interface{}{"seed": 7, "transactions": 2, "maxKeySize": 32768}, err
}

func bytesOf(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

func writeInline(path string) (map[string]interface{}, error) {
	db, err := open(path, &bolt.Options{PageSize: 4096})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucket([]byte("empty")); err != nil {
			return err
		}
		inline, err := tx.CreateBucket([]byte("inline"))
		if err != nil {
			return err
		}
		for i := 0; i < 45; i++ {
			b, err := inline.CreateBucket([]byte(fmt.Sprintf("b%02d", i)))
			if err != nil {
				return err
			}
			for j := 0; j < i%4; j++ {
				if err := b.Put([]byte(fmt.Sprintf("k%d", j)), []byte(fmt.Sprintf("v%d", j))); err != nil {
					return err
				}
			}
			if i%5 == 0 {
				if _, err := b.NextSequence(); err != nil {
					return err
				}
			}
		}
		// bbolt inlines a bucket whose page would take at most a quarter page: 16-byte header, one
		// 16-byte element, then key and value. 16+16+1+991 = 1024 stays inline; one byte more does not
		th, err := tx.CreateBucket([]byte("threshold"))
		if err != nil {
			return err
		}
		at, err := th.CreateBucket([]byte("at-limit"))
		if err != nil {
			return err
		}
		if err := at.Put([]byte("k"), bytesOf('v', 991)); err != nil {
			return err
		}
		over, err := th.CreateBucket([]byte("over-limit"))
		if err != nil {
			return err
		}
		if err := over.Put([]byte("k"), bytesOf('v', 992)); err != nil {
			return err
		}
		deep, err := tx.CreateBucket([]byte("deep"))
		if err != nil {
			return err
		}
		for i := 1; i <= 30; i++ {
			if deep, err = deep.CreateBucket([]byte(fmt.Sprintf("level-%02d", i))); err != nil {
				return err
			}
		}
		if err := deep.Put([]byte("bottom"), []byte("30 levels down")); err != nil {
			return err
		}
		bin, err := tx.CreateBucket([]byte{0x00, 0xff})
		if err != nil {
			return err
		}
		for _, k := range [][]byte{{0}, {0, 0}, {0xff}, {0x80, 0x01}, []byte("ключ"), []byte("日本"), []byte("e\u0301")} {
			if err := bin.Put(k, []byte{}); err != nil {
				return err
			}
		}
		binary, err := tx.CreateBucket([]byte("binary"))
		if err != nil {
			return err
		}
		if err := binary.Put([]byte{1, 2, 3}, []byte{0, 0xfe, 0xff}); err != nil {
			return err
		}
		mixed, err := tx.CreateBucket([]byte("mixed"))
		if err != nil {
			return err
		}
		if _, err := mixed.CreateBucket([]byte("child")); err != nil {
			return err
		}
		if err := mixed.Put([]byte("plain"), []byte("value")); err != nil {
			return err
		}
		shrunk, err := tx.CreateBucket([]byte("shrunk"))
		if err != nil {
			return err
		}
		for i := 0; i < 200; i++ {
			if err := shrunk.Put([]byte(fmt.Sprintf("key-%03d", i)), bytesOf('s', 20)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		shrunk := tx.Bucket([]byte("shrunk"))
		for i := 2; i < 200; i++ {
			if err := shrunk.Delete([]byte(fmt.Sprintf("key-%03d", i))); err != nil {
				return err
			}
		}
		_, err := shrunk.NextSequence()
		return err
	})
	return map[string]interface{}{"inlineLimitBytes": 1024, "transactions": 2,
		"notes": "at-limit (16+16+1+991 = 1024 bytes) is inline, over-limit has its own page; shrunk had its own pages and is inline again after losing 198 of 200 keys; mixed holds a sub-bucket, so it is never inline"}, err
}

func writeLibkv(path string) (map[string]interface{}, error) {
	kv, err := boltdb.New([]string{path}, &store.Config{Bucket: "libkv", ConnectionTimeout: 10 * time.Second, PersistConnection: true})
	if err != nil {
		return nil, err
	}
	defer kv.Close()
	r := rand.New(rand.NewSource(42))
	put := func(k string, v []byte) {
		if err == nil {
			err = kv.Put(k, v, nil)
		}
	}
	for i := 0; i < 100; i++ {
		put(fmt.Sprintf("/svc/web/%03d", i), []byte(fmt.Sprintf("w-%03d", i)))
		put(fmt.Sprintf("apple/k%03d", i), []byte("apple"))
		put(fmt.Sprintf("bin/b%03d", i), randBytes(r, 1+i))
	}
	for i := 0; i < 200; i++ {
		put(fmt.Sprintf("app/config/k%03d", i), []byte(fmt.Sprintf("first-%d", i)))
	}
	for i := 0; i < 200; i += 3 {
		put(fmt.Sprintf("app/config/k%03d", i), []byte(fmt.Sprintf("second-%d", i)))
	}
	for i := 0; i < 150; i++ {
		put(fmt.Sprintf("app/nodes/node-%03d", i), []byte("up"))
	}
	for i := 0; i < 10; i++ {
		put(fmt.Sprintf("big/b%d", i), randBytes(r, 100000))
	}
	for i := 0; i < 50; i++ {
		put(fmt.Sprintf("empty/e%02d", i), []byte{})
		put(fmt.Sprintf("unicode/ключ-%02d", i), []byte("значение"))
		put(fmt.Sprintf("gone/g%02d", i), []byte("to be deleted"))
	}
	for i := 0; i < 190; i++ {
		put(fmt.Sprintf("top%03d", i), []byte("t"))
	}
	if err != nil {
		return nil, err
	}
	for i := 0; i < 50; i++ {
		ok, _, err := kv.AtomicPut(fmt.Sprintf("locks/l%02d", i), []byte("held"), nil, nil)
		if err != nil || !ok {
			return nil, fmt.Errorf("AtomicPut create: %v %v", ok, err)
		}
	}
	for i := 0; i < 150; i += 10 {
		prev, err := kv.Get(fmt.Sprintf("app/nodes/node-%03d", i))
		if err != nil {
			return nil, err
		}
		if ok, _, err := kv.AtomicPut(prev.Key, []byte("down"), prev, nil); err != nil || !ok {
			return nil, fmt.Errorf("AtomicPut swap: %v %v", ok, err)
		}
	}
	for i := 0; i < 100; i += 4 {
		prev, err := kv.Get(fmt.Sprintf("apple/k%03d", i))
		if err != nil {
			return nil, err
		}
		if ok, err := kv.AtomicDelete(prev.Key, prev); err != nil || !ok {
			return nil, fmt.Errorf("AtomicDelete: %v %v", ok, err)
		}
	}
	for i := 0; i < 190; i += 5 {
		if err := kv.Delete(fmt.Sprintf("top%03d", i)); err != nil {
			return nil, err
		}
	}
	if err := kv.DeleteTree("gone/"); err != nil {
		return nil, err
	}
	// List("") runs past the bucket's last key (Go libkv bug), so list by disjoint prefixes
	var pairs []*store.KVPair
	for _, prefix := range []string{"/", "ap", "b", "e", "l", "t", "u"} {
		some, err := kv.List(prefix)
		if err != nil {
			return nil, fmt.Errorf("List(%q): %v", prefix, err)
		}
		pairs = append(pairs, some...)
	}
	var entries []map[string]interface{}
	for _, p := range pairs {
		h := sha256.Sum256(p.Value)
		entries = append(entries, map[string]interface{}{"key": p.Key, "lastIndex": p.LastIndex,
			"valueLen": len(p.Value), "valueSha256": hex.EncodeToString(h[:])})
	}
	return map[string]interface{}{"bucket": "libkv", "seed": 42, "entries": entries}, nil
}

func writeFreelistEscape(path string) (map[string]interface{}, error) {
	db, err := open(path, &bolt.Options{PageSize: 1024})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		keep, err := tx.CreateBucket([]byte("keep"))
		if err != nil {
			return err
		}
		for i := 0; i < 20; i++ {
			if err := keep.Put([]byte(fmt.Sprintf("k%02d", i)), []byte("kept")); err != nil {
				return err
			}
		}
		big, err := tx.CreateBucket([]byte("big"))
		if err != nil {
			return err
		}
		return big.Put([]byte("huge"), make([]byte, 64<<20))
	})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		big := tx.Bucket([]byte("big"))
		if err := big.Delete([]byte("huge")); err != nil {
			return err
		}
		return big.Put([]byte("small"), []byte("left"))
	})
	if err != nil {
		return nil, err
	}
	// one more commit so the pages freed above are released from pending into the stored list
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("keep")).Put([]byte("last"), []byte("commit"))
	})
	return map[string]interface{}{"pageSize": 1024, "deletedValueBytes": 64 << 20, "transactions": 3}, err
}

func writePagesize16k(path string) (map[string]interface{}, error) {
	db, err := open(path, &bolt.Options{PageSize: 16384})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	r := rand.New(rand.NewSource(16384))
	err = db.Update(func(tx *bolt.Tx) error {
		outer, err := tx.CreateBucket([]byte("outer"))
		if err != nil {
			return err
		}
		for b := 0; b < 2; b++ {
			in, err := outer.CreateBucket([]byte(fmt.Sprintf("inner-%d", b)))
			if err != nil {
				return err
			}
			for i := 0; i < 1000; i++ {
				if err := in.Put([]byte(fmt.Sprintf("key-%05d", r.Intn(1000000))), randBytes(r, 20+r.Intn(250))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte("outer")).Bucket([]byte("inner-1")).Cursor()
		n := 0
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if n++; n%4 == 0 {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return map[string]interface{}{"pageSize": 16384, "seed": 16384, "transactions": 2}, err
}

func writeNoFreelistSync(path string) (map[string]interface{}, error) {
	db, err := open(path, &bolt.Options{PageSize: 4096, NoFreelistSync: true})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	r := rand.New(rand.NewSource(99))
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("data"))
		if err != nil {
			return err
		}
		for i := 0; i < 2000; i++ {
			if err := b.Put([]byte(fmt.Sprintf("key-%05d", i)), randBytes(r, 50+r.Intn(250))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("data"))
		for i := 0; i < 2000; i += 4 {
			if err := b.Delete([]byte(fmt.Sprintf("key-%05d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	return map[string]interface{}{"seed": 99, "transactions": 2,
		"notes": "boltdb/bolt 1.3.1 cannot open a file without a stored freelist"}, err
}

func writeOldBolt(path string) (map[string]interface{}, error) {
	db, err := oldbolt.Open(path, 0o644, &oldbolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.NoSync = true
	err = db.Update(func(tx *oldbolt.Tx) error {
		w, err := tx.CreateBucket([]byte("widgets"))
		if err != nil {
			return err
		}
		for i := 0; i < 300; i++ {
			if err := w.Put([]byte(fmt.Sprintf("widget-%04d", i)), []byte(fmt.Sprintf("w%d", i))); err != nil {
				return err
			}
		}
		nested, err := w.CreateBucket([]byte("nested"))
		if err != nil {
			return err
		}
		for i := 0; i < 5; i++ {
			if _, err := nested.NextSequence(); err != nil {
				return err
			}
		}
		for i := 0; i < 20; i++ {
			if err := nested.Put([]byte(fmt.Sprintf("n%02d", i)), []byte("nested")); err != nil {
				return err
			}
		}
		second, err := tx.CreateBucket([]byte("second"))
		if err != nil {
			return err
		}
		for i := 0; i < 60; i++ {
			if err := second.Put([]byte(fmt.Sprintf("s%02d", i)), []byte("second")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *oldbolt.Tx) error {
		w := tx.Bucket([]byte("widgets"))
		for i := 0; i < 300; i += 6 {
			if err := w.Delete([]byte(fmt.Sprintf("widget-%04d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *oldbolt.Tx) error {
		s := tx.Bucket([]byte("second"))
		for i := 0; i < 60; i += 2 {
			if err := s.Delete([]byte(fmt.Sprintf("s%02d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	return map[string]interface{}{"pageSize": 4096, "transactions": 3}, err
}

func writeHotcopy(path string) (map[string]interface{}, error) {
	src := path + ".source"
	defer os.Remove(src)
	os.Remove(src)
	db, err := open(src, &bolt.Options{PageSize: 4096})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	for t := 0; t < 4; t++ { // txids 2..5
		err = db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("copied"))
			if err != nil {
				return err
			}
			for i := 0; i < 100; i++ {
				if err := b.Put([]byte(fmt.Sprintf("key-%d-%03d", t, i)), []byte(fmt.Sprintf("%d", i))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var txid int
	err = db.View(func(tx *bolt.Tx) error {
		txid = tx.ID()
		return tx.CopyFile(path, 0o644)
	})
	return map[string]interface{}{"sourceTxid": txid}, err
}

// layoutOf walks the file's pages from the newest meta: what is where, counted the way libkv-bolt's
// BoltStats documents its fields.
func layoutOf(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	if len(data) < 80 {
		return nil, fmt.Errorf("short file")
	}
	ps := int(le.Uint32(data[24:28]))
	slot, meta := -1, []byte(nil)
	for s := 0; s < 2; s++ {
		m := data[s*ps+16 : s*ps+80]
		if le.Uint32(m[0:4]) != 0xED0CDAED {
			continue
		}
		if meta == nil || le.Uint64(m[48:56]) > le.Uint64(meta[48:56]) {
			slot, meta = s, m
		}
	}
	if meta == nil {
		return nil, fmt.Errorf("no valid meta")
	}
	w := &walker{data: data, ps: ps, seen: map[uint64]bool{0: true, 1: true}}
	height := w.tree(le.Uint64(meta[16:24]), 0)
	if height > w.maxHeight {
		w.maxHeight = height
	}
	hw := le.Uint64(meta[40:48])
	fl := le.Uint64(meta[32:40])
	var freelistPages, freeIds, free int64
	escape := false
	freelistPgid := "none (NoFreelistSync)"
	if fl != ^uint64(0) {
		freelistPgid = fmt.Sprint(fl)
		p := data[int(fl)*ps:]
		freelistPages = 1 + int64(le.Uint32(p[12:16]))
		freeIds = int64(le.Uint16(p[10:12]))
		if freeIds == 0xFFFF {
			escape = true
			freeIds = int64(le.Uint64(p[16:24]))
		}
		free = freeIds
	} else {
		// nothing stored: free means below the high-water mark and unreachable
		free = int64(hw) - int64(len(w.seen))
	}
	return map[string]interface{}{
		"fileSize": len(data), "pageSize": ps, "activeMetaSlot": slot,
		"txid": le.Uint64(meta[48:56]), "highWaterPgid": hw, "freelistPgid": freelistPgid,
		"freelistIds": freeIds, "freelistCountEscape": escape,
		"branchPages": w.branch, "leafPages": w.leaf, "overflowPages": w.overflow,
		"freelistPages": freelistPages, "buckets": w.buckets, "inlineBuckets": w.inline,
		"maxBucketDepth": w.maxDepth, "maxTreeHeight": w.maxHeight,
		"keys": w.keys, "valueBytes": w.valueBytes, "freePagesFound": free,
	}, nil
}

type walker struct {
	data                                          []byte
	ps                                            int
	seen                                          map[uint64]bool
	branch, leaf, overflow, buckets, inline, keys int64
	valueBytes                                    int64
	maxDepth, maxHeight                           int
}

// tree counts the pages of the B+tree rooted at pgid (of a bucket at nesting depth) and returns
// its height.
func (w *walker) tree(pgid uint64, depth int) int {
	le := binary.LittleEndian
	p := w.data[int(pgid)*w.ps:]
	over := uint64(le.Uint32(p[12:16]))
	for i := uint64(0); i <= over; i++ {
		w.seen[pgid+i] = true
	}
	w.overflow += int64(over)
	count := int(le.Uint16(p[10:12]))
	if le.Uint16(p[8:10])&0x01 != 0 { // branch
		w.branch++
		h := 0
		for i := 0; i < count; i++ {
			e := p[16+16*i:]
			if c := w.tree(le.Uint64(e[8:16]), depth); c > h {
				h = c
			}
		}
		return h + 1
	}
	w.leaf++
	w.elements(p, depth)
	return 1
}

// elements reads the elements of a leaf page (a real page or an inline bucket's page).
func (w *walker) elements(p []byte, depth int) {
	le := binary.LittleEndian
	count := int(le.Uint16(p[10:12]))
	for i := 0; i < count; i++ {
		e := p[16+16*i:]
		pos, ksize, vsize := int(le.Uint32(e[4:8])), int(le.Uint32(e[8:12])), int(le.Uint32(e[12:16]))
		v := e[pos+ksize : pos+ksize+vsize]
		if le.Uint32(e[0:4])&0x01 == 0 {
			w.keys++
			w.valueBytes += int64(vsize)
			continue
		}
		w.buckets++
		if depth+1 > w.maxDepth {
			w.maxDepth = depth + 1
		}
		if root := le.Uint64(v[0:8]); root != 0 {
			if h := w.tree(root, depth+1); h > w.maxHeight {
				w.maxHeight = h
			}
			continue
		}
		w.inline++
		if w.maxHeight < 1 {
			w.maxHeight = 1
		}
		w.elements(v[16:], depth+1)
	}
}
