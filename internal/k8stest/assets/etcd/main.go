// Command etcd is etcd's own entry point, built from a pinned module so the
// test harness needs no downloaded release binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
