// bolt-go-check opens a bbolt file read-only with Go's own libraries, runs their consistency
// checks and prints the canonical dump described in docs/bbolt-format.md ("Canonical dump"); it
// also writes the Go-made test fixtures (fixtures.go).
//
//	bolt-go-check check FILE            prints OK, or one problem per line (exit 1)
//	bolt-go-check dump FILE             checks, then prints the canonical dump (exit 1 on problems)
//	bolt-go-check fixtures DIR [NAME..] writes fixture files, their dumps and manifests into DIR
//
// Built only from Debian's packages (see build.sh), so the verdicts are those of the real
// go.etcd.io/bbolt 1.3.6 and github.com/boltdb/bolt 1.3.1.
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	oldbolt "github.com/boltdb/bolt"
	bolt "go.etcd.io/bbolt"
)

type dumper struct {
	out     strings.Builder
	sum     io.Writer
	buckets int64
	keys    int64
	bytes   int64
}

func (d *dumper) line(s string) {
	d.out.WriteString(s)
	d.out.WriteString("\n")
	io.WriteString(d.sum, s+"\n")
}

func (d *dumper) bucket(path string, b *bolt.Bucket) {
	d.buckets++
	d.line(fmt.Sprintf("B %s %d", path, b.Sequence()))
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			d.bucket(path+"/"+hex.EncodeToString(k), b.Bucket(k))
			continue
		}
		d.keys++
		d.bytes += int64(len(v))
		h := sha256.Sum256(v)
		d.line(fmt.Sprintf("K %s %s %d %s", path, hex.EncodeToString(k), len(v), hex.EncodeToString(h[:])))
	}
}

// freelistInfo reads the newest meta's freelist field: whether a freelist is stored (boltdb/bolt
// 1.3.1 cannot open files without one, so its check is skipped for those) and whether it uses the
// 0xFFFF count escape.
func freelistInfo(path string) (stored bool, escape bool) {
	f, err := os.Open(path)
	if err != nil {
		return true, false
	}
	defer f.Close()
	buf := make([]byte, 80)
	if _, err := f.ReadAt(buf, 0); err != nil {
		return true, false
	}
	pageSize := int64(binary.LittleEndian.Uint32(buf[24:28]))
	best, freelist := uint64(0), uint64(0)
	for _, off := range []int64{0, pageSize} {
		if _, err := f.ReadAt(buf, off); err != nil {
			continue
		}
		if txid := binary.LittleEndian.Uint64(buf[64:72]); off == 0 || txid > best {
			best, freelist = txid, binary.LittleEndian.Uint64(buf[48:56])
		}
	}
	if freelist == ^uint64(0) {
		return false, false
	}
	hdr := make([]byte, 16)
	if _, err := f.ReadAt(hdr, int64(freelist)*pageSize); err == nil {
		escape = binary.LittleEndian.Uint16(hdr[10:12]) == 0xFFFF
	}
	return true, escape
}

func main() {
	if len(os.Args) >= 3 && os.Args[1] == "fixtures" {
		if err := writeFixtures(os.Args[2], os.Args[3:]); err != nil {
			fmt.Fprintln(os.Stderr, "fixtures:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) != 3 || (os.Args[1] != "check" && os.Args[1] != "dump") {
		fmt.Fprintln(os.Stderr, "usage: bolt-go-check check|dump FILE | fixtures DIR [NAME...]")
		os.Exit(2)
	}
	cmd, path := os.Args[1], os.Args[2]
	text, problems := inspect(path)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Println(p)
		}
		os.Exit(1)
	}
	if cmd == "check" {
		fmt.Println("OK")
		return
	}
	fmt.Print(text)
}

// inspect runs both Go libraries' checks on path and returns the canonical dump (valid only
// when there are no problems).
func inspect(path string) (string, []string) {
	var problems []string
	db, err := bolt.Open(path, 0o444, &bolt.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		return "", []string{"bbolt open: " + err.Error()}
	}
	d := &dumper{sum: sha256.New()}
	err = db.View(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			problems = append(problems, "bbolt 1.3.6: "+e.Error())
		}
		c := tx.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v != nil {
				problems = append(problems, "plain value at the top level: "+hex.EncodeToString(k))
				continue
			}
			d.bucket(hex.EncodeToString(k), tx.Bucket(k))
		}
		return nil
	})
	db.Close()
	if err != nil {
		problems = append(problems, "bbolt read: "+err.Error())
	}

	if stored, escape := freelistInfo(path); stored {
		old, err := oldbolt.Open(path, 0o444, &oldbolt.Options{ReadOnly: true, Timeout: 10 * time.Second})
		if err != nil {
			problems = append(problems, "boltdb/bolt 1.3.1 open: "+err.Error())
		} else {
			old.View(func(tx *oldbolt.Tx) error {
				for e := range tx.Check() {
					msg := e.Error()
					// known 1.3.1 reader bug with the 0xFFFF freelist count escape (docs/bbolt-format.md, "Freelist")
					if escape && strings.Contains(msg, "unreachable unfreed") {
						continue
					}
					problems = append(problems, "boltdb/bolt 1.3.1: "+msg)
				}
				return nil
			})
			old.Close()
		}
	}

	if len(problems) > 0 {
		return "", problems
	}
	var out strings.Builder
	fmt.Fprint(&out, "# bbolt-dump v1\n", d.out.String())
	fmt.Fprintf(&out, "# buckets=%d keys=%d valuebytes=%d\n", d.buckets, d.keys, d.bytes)
	fmt.Fprintf(&out, "digest sha256:%s\n", hex.EncodeToString(d.sum.(interface{ Sum([]byte) []byte }).Sum(nil)))
	return out.String(), nil
}
