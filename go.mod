module github.com/xfer-go/xfer

go 1.26.0

require (
	github.com/andybalholm/brotli v1.3.0
	github.com/google/btree v1.1.3
	github.com/klauspost/compress v1.20.5
	github.com/miekg/dns v1.1.73
	go.uber.org/goleak v1.3.0
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.50.0
)

require golang.org/x/text v0.43.0 // indirect
